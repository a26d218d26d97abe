"""The demo flow of `make run`: a solar sale configured and opened through the admin API only."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

# The "Autoconsumo solar" flow, in order: states, then their substates as
# (internal name, panel, external actions that lead here, {locale: (public name, description)}).
# No texts keeps a state or substate internal: the customer never sees it.
FLOW_NAME = "Autoconsumo solar"
FLOW = [
    ("Documentación", {
        "es": ("Documentación", "Reunimos lo necesario para estudiar tu proyecto."),
        "it": ("Documentazione", "Raccogliamo il necessario per studiare il tuo progetto."),
    }, [
        ("Documentación inicial", "initial-documentation", ["show-flow-reactivation"], {
            "es": ("Documentación inicial",
                   "Sube tu DNI y una factura eléctrica reciente para seguir adelante."),
            "it": ("Documentazione iniziale",
                   "Carica il tuo documento d'identità e una bolletta elettrica recente "
                   "per poter continuare."),
        }),
        ("Revisión de documentación", None,
         ["initial-documentation-completed", "conditions-accepted"], None),
    ]),
    ("Estudio", {
        "es": ("Estudio de tu instalación", "Diseñamos la instalación a la medida de tu tejado."),
        "it": ("Studio del tuo impianto", "Progettiamo l'impianto su misura per il tuo tetto."),
    }, [
        ("Dibujo del tejado", "drawing", [], {
            "es": ("Dibuja tu tejado", "Dibuja tu tejado sobre el mapa para situar los paneles."),
            "it": ("Disegna il tuo tetto",
                   "Disegna il tuo tetto sulla mappa per posizionare i pannelli."),
        }),
        ("Documentación para la oferta", "offer-documentation", ["drawing-completed"], {
            "es": ("Documentación para la oferta",
                   "Sube la documentación relevante para preparar tu oferta."),
            "it": ("Documentazione per l'offerta",
                   "Carica la documentazione rilevante per la preparazione della tua offerta."),
        }),
        ("Preparación de la oferta", None, ["offer-documentation-completed"], {
            "es": ("Preparando tu oferta",
                   "Estamos preparando tu oferta. No tienes que hacer nada: te avisaremos."),
            "it": ("Stiamo preparando la tua offerta",
                   "Non devi fare nulla: ti avviseremo quando sarà pronta."),
        }),
    ]),
    ("Oferta", {
        "es": ("Oferta", "Elige la propuesta que mejor te convenga."),
        "it": ("Offerta", "Scegli la proposta più adatta alle tue esigenze."),
    }, [
        ("Oferta enviada", "offer", [], {
            "es": ("Tus ofertas", "Revisa las ofertas de tu proyecto y acepta la que prefieras."),
            "it": ("Le tue offerte",
                   "Consulta le offerte del tuo progetto e accetta quella più adatta a te."),
        }),
        ("Documentación de financiación", "financing-documentation", ["accept-budget"], {
            "es": ("Documentación de financiación",
                   "Sube la documentación relevante para tu financiación."),
            "it": ("Documentazione per il finanziamento",
                   "Carica la documentazione rilevante per il tuo finanziamento."),
        }),
    ]),
    ("Contrato", {
        "es": ("Contrato", "Preparamos y firmamos tu contrato."),
        "it": ("Contratto", "Prepariamo e firmiamo il tuo contratto."),
    }, [
        ("Documentación del contrato", "contracts-documentation",
         ["financing-documentation-completed"], {
            "es": ("Documentación del contrato",
                   "Sube la documentación relevante para preparar tu contrato."),
            "it": ("Documentazione per il contratto",
                   "Carica la documentazione rilevante per la preparazione del tuo contratto."),
        }),
        ("Firma del contrato", "contract-signing", ["contracts-documentation-completed"], {
            "es": ("Firma del contrato", "Descarga tu contrato y súbelo una vez firmado."),
            "it": ("Firma del contratto", "Scarica il tuo contratto e caricalo una volta firmato."),
        }),
    ]),
    ("Instalación", {
        "es": ("Instalación", "Instalamos tus paneles solares."),
        "it": ("Installazione", "Installiamo i tuoi pannelli solari."),
    }, [
        ("Documentación de instalación", "installation-documentation", ["contract-signed"], {
            "es": ("Documentación de instalación",
                   "Sube la documentación relevante para tu instalación."),
            "it": ("Documentazione per l'installazione",
                   "Carica la documentazione pertinente per la tua installazione."),
        }),
        ("Visita del instalador", "installer-visit", ["installation-documentation-completed"], {
            "es": ("Visita del instalador", "Estos son los datos del instalador de tu proyecto."),
            "it": ("Visita dell'installatore",
                   "Ecco i dettagli dell'installatore assegnato al tuo progetto."),
        }),
    ]),
    ("Cierre", {
        "es": ("Cierre", "El final de tu proyecto."),
        "it": ("Chiusura", "La fine del tuo progetto."),
    }, [
        ("Proyecto finalizado", "finalization-success", [], {
            "es": ("Proyecto finalizado", "Tu instalación está terminada. ¡Gracias!"),
            "it": ("Progetto finalizzato", "Il tuo impianto è terminato. Grazie!"),
        }),
        ("Proyecto cerrado", "finalization-failed", [], {
            "es": ("Proyecto cerrado",
                   "Tu proyecto se ha cerrado sin finalizarse. Puedes reactivarlo cuando quieras."),
            "it": ("Progetto chiuso",
                   "Il tuo progetto è stato chiuso senza essere finalizzato. "
                   "Puoi riattivarlo quando vuoi."),
        }),
    ]),
]
OPPORTUNITY_TITLE = "Instalación fotovoltaica — Familia García"
OFFERS = [
    {"title": "Instalación de 6 kW (14 paneles)", "amount": "7450.00", "currency": "EUR"},
    {"title": "Instalación de 8 kW (18 paneles) con batería", "amount": "11900.00",
     "currency": "EUR"},
]


class DemoSeedError(RuntimeError):
    """A call of the admin API failed while seeding the demo."""


@dataclass(frozen=True)
class Demo:
    """What `seed_demo` created: the flow, the opportunity, its customer token and offers."""

    opportunity_type_id: str
    opportunity_id: str
    customer_token: str
    offer_ids: list[str]


def _localized(texts: dict) -> dict:
    """`{locale: (name, description)}` as the API's public_name and description."""
    return {"public_name": {loc: name for loc, (name, _) in texts.items()},
            "description": {loc: description for loc, (_, description) in texts.items()}}


def _substates() -> list[tuple]:
    """Every substate of FLOW as (name, panel, actions, texts), in flow order."""
    return [sub for _, _, substates in FLOW for sub in substates]


def _call(client: httpx.Client, method: str, path: str, body: dict | None = None) -> dict:
    response = client.request(method, path, json=body)
    if response.is_error:
        raise DemoSeedError(f"{method} {path} answered {response.status_code}: {response.text}")
    return response.json()


def seed_demo(config_url: str, token: str) -> Demo:
    """Create the demo flow, open an opportunity in its offer substate with two offers."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=config_url, headers=headers, timeout=15) as client:
        flow = _call(client, "POST", "/v1/opportunity-types", {"name": FLOW_NAME, "states": [
            {"name": state, "substates": [{"name": sub[0]} for sub in subs]}
            for state, _, subs in FLOW]})
        type_path = f"/v1/opportunity-types/{flow['opportunity_type_id']}"
        ids = {sub["name"]: sub["substate_id"] for st in flow["states"] for sub in st["substates"]}
        for (_, state_texts, substates), state in zip(FLOW, flow["states"], strict=True):
            _call(client, "PUT", f"{type_path}/states/{state['state_id']}/portal",
                  _localized(state_texts))
            for name, panel, actions, texts in substates:
                if texts:
                    _call(client, "PUT", f"{type_path}/substates/{ids[name]}/portal", {
                        **_localized(texts), "panel": panel, "fields": [], "conditions": []})
                for action in actions:
                    _call(client, "PUT", f"{type_path}/external-actions/{action}",
                          {"target_substate_id": ids[name]})
        opportunity = _call(client, "POST", "/v1/opportunities", {
            "opportunity_type_id": flow["opportunity_type_id"], "title": OPPORTUNITY_TITLE,
            "locale": "es"})
        opportunity_path = f"/v1/opportunities/{opportunity['opportunity_id']}"
        offer_substate = next(name for name, panel, *_ in _substates() if panel == "offer")
        _call(client, "POST", f"{opportunity_path}/substate", {
            "substate_id": ids[offer_substate], "reason": "Demo: oferta preparada"})
        offer_ids = [_call(client, "POST", f"{opportunity_path}/offers", offer)["offer_id"]
                     for offer in OFFERS]
        access = _call(client, "POST", f"{opportunity_path}/portal-access")
    return Demo(flow["opportunity_type_id"], opportunity["opportunity_id"], access["token"],
                offer_ids)
