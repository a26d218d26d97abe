"""Read-your-writes: the customer's latest write shows until its own echo confirms it."""

from portalflow_portal.domain import field_state as fs


def test_the_customer_sees_their_write_before_it_is_confirmed():
    state = fs.customer_wrote(None, "ES12", position=7)
    assert fs.shown(state) == "ES12"
    assert fs.shown(fs.confirmed(state, "ES12", caused_by=7)) == "ES12"


def test_an_older_echo_never_hides_a_newer_write():
    state = fs.customer_wrote(None, "first", position=1)
    state = fs.customer_wrote(state, "second", position=2)
    state = fs.confirmed(state, "first", caused_by=1)
    assert fs.shown(state) == "second"
    assert fs.shown(fs.confirmed(state, "second", caused_by=2)) == "second"


def test_a_back_office_change_shows_unless_a_customer_write_is_on_its_way():
    assert fs.shown(fs.confirmed(None, "from the office", caused_by=None)) == "from the office"
    state = fs.customer_wrote(None, "mine", position=3)
    state = fs.confirmed(state, "from the office", caused_by=None)
    assert fs.shown(state) == "mine"  # config-service will apply "mine" after it


def test_a_rejected_write_falls_back_to_the_confirmed_value():
    state = fs.confirmed(None, "kept", caused_by=None)
    state = fs.customer_wrote(state, "refused", position=4)
    assert fs.shown(fs.rejected(state, position=4)) == "kept"
    newer = fs.customer_wrote(state, "newer", position=5)
    assert fs.shown(fs.rejected(newer, position=4)) == "newer"
