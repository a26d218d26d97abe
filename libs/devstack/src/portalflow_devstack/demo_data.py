"""The demo as data: the org's settings and catalog, the solar flow of the seed, an opportunity."""

SETTINGS = {
    "locales": ["es", "it"],
    "default_locale": "es",
    "end_of_process_texts": {
        "success": {"es": "¡Tu instalación está terminada! Gracias por confiar en nosotros.",
                    "it": "Il tuo impianto è terminato! Grazie per averci scelto."},
        "failure": {"es": "Tu proyecto se ha cerrado. Si cambias de idea, reactívalo aquí.",
                    "it": "Il tuo progetto è stato chiuso. Se cambi idea, riattivalo qui."},
    },
    "reactivation_enabled": True,
    "branding": {"company_name": "SolarHogar", "logo_url": "https://example.com/solarhogar.png",
                 "colour": "#f5a623"},
}

# key → (label es, label it, type, select options as (value, es, it))
FIELDS = {
    "dni": ("DNI o documento de identidad", "Documento d'identità", "file", ()),
    "electricity-bill": ("Factura eléctrica reciente", "Bolletta elettrica recente", "file", ()),
    "contracted-power": ("Potencia contratada (kW)", "Potenza impegnata (kW)", "number", ()),
    "roof-type": ("Tipo de tejado", "Tipo di tetto", "select", (
        ("tile", "Teja", "Tegole"), ("metal", "Chapa metálica", "Lamiera"),
        ("flat", "Cubierta plana", "Tetto piano"))),
    "iban": ("IBAN para la financiación", "IBAN per il finanziamento", "text", ()),
    "monthly-income": ("Ingresos mensuales netos (€)", "Reddito mensile netto (€)", "number", ()),
    "building-permit": ("Licencia de obra", "Permesso di costruzione", "file", ()),
    "preferred-visit-date": ("Fecha preferida para la visita", "Data preferita per la visita",
                             "date", ()),
}

# key → (title es, title it, text es, text it)
CONDITIONS = {
    "privacy": ("Política de privacidad", "Informativa sulla privacy",
                "Tratamos tus datos solo para estudiar, ofertar e instalar tu proyecto.",
                "Trattiamo i tuoi dati solo per studiare, offrire e installare il tuo progetto."),
    "financing": ("Condiciones de financiación", "Condizioni di finanziamento",
                  "Autorizas el estudio de tu solvencia por la entidad financiera.",
                  "Autorizzi la verifica della tua solvibilità da parte dell'ente finanziatore."),
}

# substate name → ([(field key, required, read_only)], [condition keys]). The DNI is required
# at first, optional for the offer and read-only for the contract, as in the seed's example.
BINDINGS = {
    "Documentación inicial": ([("dni", True, False), ("electricity-bill", True, False),
                               ("contracted-power", False, False)], ["privacy"]),
    "Documentación para la oferta": ([("dni", False, False), ("roof-type", True, False)], []),
    "Documentación de financiación": ([("iban", True, False), ("monthly-income", True, False),
                                       ("dni", False, True)], ["financing"]),
    "Documentación del contrato": ([("dni", False, True), ("iban", False, True)], []),
    "Documentación de instalación": ([("building-permit", True, False),
                                      ("preferred-visit-date", False, False)], []),
}

INSTALLER = {"installer": {"name": "Luis Pérez", "company": "SolTec Instalaciones",
                           "phone": "+34 600 123 456", "email": "luis.perez@soltec.example"},
             "visit_at": "2026-12-03T09:30:00+01:00"}

# A one-page PDF, enough to be shared and downloaded.
CONTRACT_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")

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
# (icon, colour) of each state of FLOW, in order.
STATE_LOOKS = [("file-text", "#4a90d9"), ("ruler", "#7b61ff"), ("euro", "#f5a623"),
               ("pen", "#d0021b"), ("sun", "#f8e71c"), ("flag", "#417505")]
OPPORTUNITY_TITLE = "Instalación fotovoltaica — Familia García"
OFFERS = [
    {"title": "Instalación de 6 kW (14 paneles)", "amount": "7450.00", "currency": "EUR"},
    {"title": "Instalación de 8 kW (18 paneles) con batería", "amount": "11900.00",
     "currency": "EUR"},
]
