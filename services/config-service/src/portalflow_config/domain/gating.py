"""The situation a customer action meets, and what keeps the current step from completing."""

from dataclasses import dataclass

from portalflow_config.domain.catalog import OrgCatalog
from portalflow_config.domain.flow import OpportunityType
from portalflow_config.domain.opportunity import Opportunity
from portalflow_contracts.events.flow import FieldBinding
from portalflow_contracts.values import PanelKey


@dataclass(frozen=True)
class Situation:
    """What a customer action is checked against."""

    opportunity: Opportunity
    flow: OpportunityType
    catalog: OrgCatalog

    @property
    def substate_id(self) -> str:
        """The substate the opportunity is in."""
        return self.opportunity.substate_id

    @property
    def panel(self) -> PanelKey | None:
        """The panel the customer sees now."""
        return self.flow.panel(self.substate_id)

    @property
    def bindings(self) -> tuple[FieldBinding, ...]:
        """The fields bound to the current substate's panel."""
        config = self.flow.substate_portal.get(self.substate_id)
        return config.fields if config else ()

    @property
    def conditions(self) -> list[str]:
        """The active conditions the current substate asks for, in configured order."""
        config = self.flow.substate_portal.get(self.substate_id)
        active = self.catalog.active_condition_ids()
        return [c for c in config.conditions if c in active] if config else []


def missing_fields(situation: Situation) -> list[str]:
    """Ids of the active required fields of the current panel that have no value."""
    active = situation.catalog.active_field_ids()
    return [b.field for b in situation.bindings if b.required and b.field in active
            and situation.opportunity.fields.get(b.field) is None]


def unaccepted_conditions(situation: Situation) -> dict[str, int]:
    """Condition id → current version, for each asked for but not accepted at that version."""
    accepted = situation.opportunity.accepted_conditions
    versions = {c: situation.catalog.conditions[c].version for c in situation.conditions}
    return {c: v for c, v in versions.items() if accepted.get(c) != v}


def incomplete(situation: Situation) -> str:
    """What keeps the current step from completing, in words; empty when nothing does."""
    fields = situation.catalog.fields
    gaps = [f"required field {fields[f].key!r} ({f}) has no value"
            for f in missing_fields(situation)]
    for condition_id, version in unaccepted_conditions(situation).items():
        was = situation.opportunity.accepted_conditions.get(condition_id)
        gaps.append(f"condition {condition_id} is not accepted at version {version} "
                    + (f"(version {was} was)" if was else "(no version was)"))
    return "; ".join(gaps)
