"""The method catalogue as plain data: techniques of situational prevention and the methods.

This module is read by a data migration and by `manage.py load_reference_data` (which brings
existing installations up to date, see `sync_methods`), so it must stay free of Django and
model imports.

* ``TECHNIQUE_GROUPS`` and ``TECHNIQUES``: Cornish & Clarke's 25 techniques of situational
  crime prevention in five groups, with Swedish names.
* ``LEAD_KINDS``: the actor kinds that may lead a method (the same values as the
  organisation kinds).
* ``METHODS``: the methods named in the 2023 method-support brochure on open drug scenes
  (``Metodstöd öppna drogscener``), split into situational prevention (the place and the
  situation) and social prevention (the individual's propensity to offend), with a short
  Swedish description written for the platform.

``source_checked`` is ``True`` only where the brochure states both the method and the gist of
the description; methods the brochure only names in a list, without describing them, are
``False`` with an empty ``source`` until someone checks them against a fuller source.
"""

TECHNIQUE_GROUPS = [
    ("effort", "Öka ansträngningen"),
    ("risk", "Öka risken"),
    ("reward", "Minska vinsten"),
    ("provocation", "Minska provokationerna"),
    ("excuse", "Ta bort ursäkterna"),
]

TECHNIQUES = [
    # Öka ansträngningen
    ("target_hardening", "effort", "Försvåra åtkomsten till brottsobjekt"),
    ("control_access", "effort", "Kontrollera tillträde"),
    ("screen_exits", "effort", "Kontrollera utpassering"),
    ("deflect_offenders", "effort", "Styr bort gärningspersoner"),
    ("control_tools_weapons", "effort", "Kontrollera verktyg och vapen"),
    # Öka risken
    ("extend_guardianship", "risk", "Utöka tillsynen"),
    ("natural_surveillance", "risk", "Underlätta naturlig övervakning"),
    ("reduce_anonymity", "risk", "Minska anonymiteten"),
    ("place_managers", "risk", "Använd platsansvariga"),
    ("formal_surveillance", "risk", "Förstärk formell övervakning"),
    # Minska vinsten
    ("conceal_targets", "reward", "Dölj brottsobjekt"),
    ("remove_targets", "reward", "Avlägsna brottsobjekt"),
    ("identify_property", "reward", "Märk egendom"),
    ("disrupt_markets", "reward", "Stör marknader"),
    ("deny_benefits", "reward", "Förhindra vinster"),
    # Minska provokationerna
    ("reduce_frustration", "provocation", "Minska frustration och stress"),
    ("avoid_disputes", "provocation", "Undvik konflikter"),
    ("reduce_arousal", "provocation", "Minska känslomässig upphetsning"),
    ("neutralise_peer_pressure", "provocation", "Motverka grupptryck"),
    ("discourage_imitation", "provocation", "Motverka efterhärmning"),
    # Ta bort ursäkterna
    ("set_rules", "excuse", "Sätt upp regler"),
    ("post_instructions", "excuse", "Anslå instruktioner"),
    ("alert_conscience", "excuse", "Väck samvetet"),
    ("assist_compliance", "excuse", "Underlätta regelefterlevnad"),
    ("control_drugs_alcohol", "excuse", "Kontrollera droger och alkohol"),
]

LEAD_KINDS = (
    "kommun",
    "polis",
    "region_hsf",
    "region_tf",
    "kriminalvarden",
    "tullverket",
    "lansstyrelsen",
    "stad",
    "ssr",
    "civil",
    "other",
)

_GROUP_BY_TECHNIQUE = {code: group for code, group, _name in TECHNIQUES}


def technique_group(code: str) -> str:
    """Return the group code of a technique; KeyError for an unknown technique code."""
    try:
        return _GROUP_BY_TECHNIQUE[code]
    except KeyError:
        raise KeyError(f"unknown technique code: {code!r}") from None


_BROCHURE = "Metodstöd ODS 2023"
_SITUATIONAL = f"{_BROCHURE}, avsnitt Situationella insatser och metoder"
_SOCIAL = f"{_BROCHURE}, avsnitt Sociala insatser och metoder"
_ROLES = f"{_BROCHURE}, avsnitt Rollfördelning i det regionala arbetet"

METHODS = [
    # ------------------------------------------------------------------ situational
    {
        "slug": "arkitektur-och-stadsplanering",
        "name": "Brottsförebyggande arkitektur och stadsplanering",
        "kind": "situational",
        "description": (
            "Den fysiska miljön utformas så att den ger god överblick, tydliga gränser mellan "
            "offentligt och privat och få skymda platser, ett synsätt som ofta kallas CPTED. "
            "Vid en öppen drogscen blir det aktuellt när torg, gångstråk eller entréer byggs om "
            "eller ska förvaltas på nytt. Förändringarna tar tid och bör bygga på en analys av "
            "den aktuella delplatsen, annars kan handeln flytta till närmaste skymda hörn."
        ),
        "lead_kinds": ["kommun", "other"],
        "techniques": ["natural_surveillance", "control_access", "deflect_offenders"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "oka-narvaron-pa-platsen",
        "name": "Öka närvaron på platsen",
        "kind": "situational",
        "description": (
            "Fler vuxna och yrkespersoner rör sig på platsen, till exempel nattvandrare, "
            "fältassistenter, uppsökande socialsekreterare, föreningar, ordningsvakter och polis. "
            "Närvaron gör det svårare att sälja och använda narkotika öppet och visar att någon "
            "tar ansvar för platsen. Den bör planeras efter lägesbildens tider och delplatser och "
            "samordnas mellan aktörerna, så att problemen inte bara flyttas en kort sträcka."
        ),
        "lead_kinds": ["kommun", "polis", "civil"],
        "techniques": ["extend_guardianship", "place_managers", "formal_surveillance"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "15-minutersmetoden",
        "name": "15-minutersmetoden",
        "kind": "situational",
        "description": (
            "Polisen besöker utvalda platser med hög brottskoncentration i korta pass, ungefär en "
            "kvart åt gången, med oregelbundna mellanrum. Tanken är att korta men återkommande "
            "besök på en hot spot kan verka förebyggande även efter att patrullen har lämnat "
            "platsen. Metoden kräver en precis avgränsning av platserna i lägesbilden, och man "
            "bör följa upp om brotten förskjuts till omgivande gator."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["formal_surveillance"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "strategiskt-individfokus",
        "name": "Strategiskt individfokus",
        "kind": "situational",
        "description": (
            "Arbetet riktas mot de relativt få personer som står för en stor del av brottsligheten "
            "och otryggheten på platsen. Polisen prioriterar dessa personer i det operativa "
            "arbetet, gärna samordnat med aktörer som kan erbjuda stöd och vägar ut. Uppgifter om "
            "enskilda omfattas av sekretess och hanteras inom respektive myndighet, inte i "
            "plattformen."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["formal_surveillance", "reduce_anonymity"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "kontroll-av-personer-i-trafiken",
        "name": "Kontroll av personer i trafiken",
        "kind": "situational",
        "description": (
            "Polisen kontrollerar förare och andra trafikanter i anslutning till platsen, bland "
            "annat med avseende på påverkan av alkohol eller narkotika. Kontrollerna kan störa "
            "köpare och säljare som tar sig till och från drogscenen med fordon. De måste ha stöd "
            "i gällande regelverk och bör planeras så att de inte uppfattas som godtyckliga av "
            "boende och förbipasserande."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["formal_surveillance", "disrupt_markets"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "sok-med-narkotikahundar",
        "name": "Sök med narkotikahundar",
        "kind": "situational",
        "description": (
            "Hundar som är tränade att markera narkotika används för att söka igenom platsen, "
            "till exempel buskage, trapphus och andra ställen där narkotika kan gömmas. Sök kan "
            "försvåra förvaring nära försäljningsplatsen och därmed störa handeln. Sök mot "
            "personer och i utrymmen kräver stöd i lag, och effekten blir ofta kortvarig om den "
            "inte kombineras med andra åtgärder."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["formal_surveillance", "disrupt_markets"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "samverkan-mot-alkohol-och-droger-i-trafiken",
        "name": "Samverkan mot alkohol och droger i trafiken",
        "kind": "situational",
        "description": (
            "Samverkansmodell, ofta kallad SMADIT, där personer som ertappas med att köra "
            "påverkade av alkohol eller narkotika snabbt erbjuds kontakt med beroendevård eller "
            "socialtjänst. Polis, vård och kommun kommer i förväg överens om hur kontakten "
            "förmedlas. Erbjudandet bygger på frivillighet och förutsätter att mottagande "
            "verksamheter kan ta emot personen snabbt."
        ),
        "lead_kinds": ["polis", "region_hsf", "kommun"],
        "techniques": ["control_drugs_alcohol"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "trygga-trappan",
        "name": "Trygga trappan",
        "kind": "situational",
        "description": (
            "Arbetssätt för trygga trapphus och entréer i bostadsområden, där fastighetsägare "
            "samarbetar med kommun och polis. Det passar när försäljning, bruk eller övernattning "
            "har flyttat in i trapphus och portar, och kan omfatta till exempel lås, passersystem, "
            "belysning, städning och snabb felanmälan. Åtgärderna bör samordnas för hela området, "
            "eftersom problemen annars lätt flyttar till närmaste port."
        ),
        "lead_kinds": ["kommun", "other"],
        "techniques": ["target_hardening", "control_access", "place_managers"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "trygghetsbesiktning",
        "name": "Trygghetsbesiktning",
        "kind": "situational",
        "description": (
            "En systematisk genomgång av platsens fysiska miljö ur trygghets- och "
            "brottsperspektiv, med fokus på bland annat belysning, siktlinjer, växtlighet, "
            "gömställen och skötsel. Resultatet blir en lista med konkreta åtgärder och ansvariga, "
            "som följs upp vid en ny besiktning. Vid en öppen drogscen bör besiktningen göras vid "
            "de tider då problemen uppstår och utgå från hur platsen faktiskt används."
        ),
        "lead_kinds": ["kommun", "other"],
        "techniques": ["natural_surveillance", "place_managers"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "krogar-mot-knark",
        "name": "Krogar mot knark",
        "kind": "situational",
        "description": (
            "Samverkan mellan restaurangbranschen, kommunens tillståndsenhet och polisen mot "
            "narkotika i krogmiljön, med utbildning av personal och gemensamma rutiner. Metoden "
            "är utvecklad av STAD och passar när en drogscen hänger ihop med nöjesliv och "
            "serveringsställen. Den bygger på att krögarna själva deltar och behöver följas upp "
            "över tid, eftersom personalen byts ut."
        ),
        "lead_kinds": ["kommun", "polis", "other"],
        "techniques": ["control_drugs_alcohol", "set_rules", "place_managers"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "informera-allmanheten-och-naringslivet",
        "name": "Informera allmänheten och näringslivet",
        "kind": "situational",
        "description": (
            "Boende, verksamheter och förbipasserande får veta hur läget är på platsen, vad som "
            "görs och hur de kan bidra eller få stöd, till exempel genom möten, utskick och "
            "sociala medier. Information kan minska otryggheten och stärka den kollektiva "
            "förmågan att reagera. Budskapen bör samordnas mellan aktörerna och får inte peka ut "
            "enskilda personer."
        ),
        "lead_kinds": ["kommun", "polis"],
        "techniques": ["natural_surveillance"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "tips-fran-allmanheten-och-naringslivet",
        "name": "Tips från allmänheten och näringslivet",
        "kind": "situational",
        "description": (
            "Boende, butiker, fastighetsägare och andra verksamheter uppmuntras att lämna tips "
            "till polisen om narkotikahandel och andra iakttagelser på platsen. Tipsen "
            "kompletterar polisens egen bild och kan visa var och när handeln sker. Den som tipsar "
            "behöver kunna göra det säkert, och återkoppling på gruppnivå om hur tipsen används "
            "hjälper viljan att rapportera att hålla i sig."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["natural_surveillance"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "brev-och-paket-bryta-sekretess",
        "name": "Personal som hanterar brev och paket får bryta sekretessen",
        "kind": "situational",
        "description": (
            "Personal som hanterar brev och paket kan under vissa förutsättningar lämna uppgifter "
            "till polis eller Tullverket om försändelser som misstänks innehålla narkotika, trots "
            "sin tystnadsplikt. Det gör det svårare att använda post och paketombud i handeln. "
            "Förutsättningarna regleras i lag, så de exakta bestämmelserna bör kontrolleras innan "
            "lokala rutiner tas fram."
        ),
        "lead_kinds": ["polis", "tullverket", "other"],
        "techniques": ["disrupt_markets"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "platsaktivering",
        "name": "Platsaktivering",
        "kind": "situational",
        "description": (
            "Platsen fylls med aktiviteter och människor, till exempel föreningsaktiviteter, "
            "idrott, kultur eller servering, så att den används på nya sätt. Fler besökare ger "
            "mer informell kontroll och kan göra platsen mindre attraktiv för öppen handel. "
            "Aktiviteterna behöver pågå över tid och passa platsen; enstaka evenemang räcker "
            "sällan och kan förflytta problemen till närliggande ytor."
        ),
        "lead_kinds": ["kommun", "civil"],
        "techniques": ["natural_surveillance", "extend_guardianship"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "kontrollerad-forflyttning",
        "name": "Kontrollerad förflyttning",
        "kind": "situational",
        "description": (
            "Aktörerna styr medvetet vart en drogscen tar vägen när den trycks bort från en plats "
            "där den gör särskilt stor skada, i stället för att låta den förskjutas okontrollerat. "
            "Det förutsätter att man i förväg bedömer vart problemen riskerar att flytta och hur "
            "den nya platsen ska bevakas. Metoden kräver nära samordning och uppföljning, och "
            "tillgången till vård och stöd för personerna på scenen får inte försämras."
        ),
        "lead_kinds": ["polis", "kommun"],
        "techniques": ["deflect_offenders"],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "kamerabevakning",
        "name": "Kamerabevakning",
        "kind": "situational",
        "description": (
            "Kameror sätts upp på platsen för att öka upptäcktsrisken, ge underlag för utredning "
            "och stödja lägesbilden. Kameror gör mest nytta när någon följer bilderna och kan "
            "agera, och i kombination med andra åtgärder. Kamerabevakning av allmän plats kräver "
            "i regel tillstånd eller annat lagstöd, och handeln kan flytta till ytor utanför "
            "kamerornas täckning."
        ),
        "lead_kinds": ["polis", "kommun", "region_tf", "other"],
        "techniques": ["formal_surveillance"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "blandade-funktioner",
        "name": "Blandade funktioner på platsen",
        "kind": "situational",
        "description": (
            "Platsen får en variation av verksamheter och användningar, till exempel butiker, "
            "service, bostäder, lek och kultur, så att olika grupper använder den under större "
            "delen av dygnet. Det ger fler ögon på platsen och gör det svårare för en drogscen att "
            "ta över. Förändringarna är långsiktiga och kräver samarbete mellan kommunens "
            "planering, fastighetsägare och verksamhetsutövare."
        ),
        "lead_kinds": ["kommun", "other"],
        "techniques": ["natural_surveillance"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "belysning",
        "name": "Belysning",
        "kind": "situational",
        "description": (
            "Rätt belysning gör det lättare att se och bli sedd och minskar antalet mörka hörn "
            "där handel och bruk kan pågå ostört. Belysningen bör utgå från hur platsen används "
            "kvällstid, gärna efter en trygghetsbesiktning, så att den inte bländar eller skapar "
            "nya skuggor. Belysning ensam löser sällan problemen men är ofta en del av ett större "
            "åtgärdspaket."
        ),
        "lead_kinds": ["kommun", "other", "region_tf"],
        "techniques": ["natural_surveillance"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "klottersanering-och-skotsel",
        "name": "Klottersanering och skötsel",
        "kind": "situational",
        "description": (
            "Klotter, skräp och skadegörelse tas bort snabbt och platsen sköts regelbundet, så att "
            "den signalerar att någon bryr sig om den. En vanvårdad plats kan uppfattas som en "
            "zon där avvikande beteende tolereras. Snabb sanering kräver tydliga avtal om vem som "
            "ansvarar för vilken yta, och hantering av sprutor och kanyler kräver en säker rutin "
            "för personalen."
        ),
        "lead_kinds": ["kommun", "other", "region_tf"],
        "techniques": ["deny_benefits", "discourage_imitation", "place_managers"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "nattvandring",
        "name": "Nattvandring",
        "kind": "situational",
        "description": (
            "Frivilliga vuxna, ofta organiserade i föreningar, rör sig på platsen kvälls- och "
            "nattetid och finns tillgängliga för unga och andra som vistas där. Närvaron kan öka "
            "tryggheten och ge vuxenkontakt åt unga som dras till platsen. Nattvandrarna behöver "
            "introduktion, kontaktvägar till polis och socialtjänst och tydliga riktlinjer för hur "
            "de agerar vid brott eller hot."
        ),
        "lead_kinds": ["civil"],
        "techniques": ["extend_guardianship"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "faltassistenter-och-uppsokande-arbete",
        "name": "Fältassistenter och uppsökande socialt arbete",
        "kind": "situational",
        "description": (
            "Kommunens fältassistenter och uppsökande socialsekreterare söker upp unga och vuxna "
            "i riskmiljöer, både ute och digitalt, berättar vilket stöd socialtjänsten kan ge och "
            "erbjuder kontakt. På en drogscen ger de vuxennärvaro och kan fånga upp unga som är "
            "på väg in i miljön. Arbetet bygger på förtroende och frivillighet, och uppgifter om "
            "enskilda omfattas av socialtjänstens sekretess."
        ),
        "lead_kinds": ["kommun"],
        "techniques": ["extend_guardianship"],
        "source_checked": True,
        "source": f"{_SITUATIONAL}; {_ROLES}, Kommunerna",
    },
    {
        "slug": "ordningsvakter",
        "name": "Ordningsvakter",
        "kind": "situational",
        "description": (
            "Ordningsvakter, som förordnas av polisen, placeras på platsen för att upprätthålla "
            "ordningen och öka närvaron. De kan beställas av till exempel kommunen, "
            "kollektivtrafiken eller fastighetsägare och har begränsade befogenheter. Uppdraget "
            "bör vara tydligt, samordnat med polisen och uppföljt, så att närvaron inte bara "
            "flyttar problemen till angränsande ytor."
        ),
        "lead_kinds": ["kommun", "region_tf", "other"],
        "techniques": ["formal_surveillance", "place_managers"],
        "source_checked": True,
        "source": _SITUATIONAL,
    },
    {
        "slug": "polisiar-narvaro-och-riktade-insatser",
        "name": "Polisiär närvaro och riktade insatser",
        "kind": "situational",
        "description": (
            "Polisen är synlig på platsen och riktar aktiviteter mot de platser och personer som "
            "är aktuella för den öppna narkotikahandeln, bland annat genom att ingripa mot "
            "narkotikabrott. Avgränsade, problemorienterade insatser i samverkan med kommun och "
            "civilsamhälle ger mer än en allmän narkotikabekämpning över ett stort område. "
            "Insatserna bör utgå från lägesbilden och följas upp, eftersom handeln kan förskjutas "
            "i tid och rum."
        ),
        "lead_kinds": ["polis"],
        "techniques": ["formal_surveillance", "disrupt_markets"],
        "source_checked": True,
        "source": f"{_SITUATIONAL}; {_ROLES}, Polismyndigheten",
    },
    {
        "slug": "stations-och-hallplatsmiljo",
        "name": "Åtgärder i stations- och hållplatsmiljö",
        "kind": "situational",
        "description": (
            "Trafikförvaltningen förändrar och förvaltar stationer och hållplatser, till exempel "
            "genom ombyggnad, belysning, städning och översyn av ytor där människor uppehåller sig "
            "länge. Det är aktuellt när en drogscen ligger vid eller i en station, en "
            "bussterminal eller en väntsal. Förändringarna bör samordnas med kommunen, eftersom "
            "problemen annars kan flytta ut till angränsande gator och torg."
        ),
        "lead_kinds": ["region_tf"],
        "techniques": ["natural_surveillance", "control_access", "place_managers"],
        "source_checked": True,
        "source": f"{_ROLES}, Trafikförvaltningen",
    },
    {
        "slug": "trygghetsresurser-i-kollektivtrafiken",
        "name": "Trygghetsresurser och lägesbild i kollektivtrafiken",
        "kind": "situational",
        "description": (
            "Trafikförvaltningen samverkar med Trygghetscentralen och SL:s trygghetsresurser, dels "
            "genom att dela lägesbild och statistik över händelser som rapporterats i "
            "kollektivtrafiken, dels genom att förstärka med trygghetsresurser och trafikpersonal. "
            "Det visar när och var problemen uppstår kring stationerna och kan ge snabbare "
            "närvaro. Statistiken delas på plats- och gruppnivå, inte om enskilda."
        ),
        "lead_kinds": ["region_tf"],
        "techniques": ["place_managers", "formal_surveillance"],
        "source_checked": True,
        "source": f"{_ROLES}, Trafikförvaltningen",
    },
    {
        "slug": "tullverkets-narkotikakontroll",
        "name": "Tullverkets narkotikakontroll",
        "kind": "situational",
        "description": (
            "Tullverket övervakar och kontrollerar varutrafiken till och från utlandet, med "
            "narkotika som högsta prioritet och med inriktning mot organiserad och storskalig "
            "brottslighet. Beslag minskar tillgången på narkotika i landet och kan på sikt påverka "
            "utbudet på de öppna drogscenerna. Effekten på en enskild plats är indirekt och svår "
            "att mäta lokalt."
        ),
        "lead_kinds": ["tullverket"],
        "techniques": ["disrupt_markets", "formal_surveillance"],
        "source_checked": True,
        "source": f"{_ROLES}, Tullverket",
    },
    # ----------------------------------------------------------------------- social
    {
        "slug": "tidiga-insatser-barn-och-unga",
        "name": "Tidiga insatser för barn och unga i riskzon",
        "kind": "social",
        "description": (
            "Barn och unga som bedöms riskera att hamna i kriminalitet eller missbruk "
            "uppmärksammas tidigt och får snabba, samordnade insatser. Skola, ungdomsmottagning, "
            "fritidsverksamhet och socialtjänst har en nyckelroll i att upptäcka oro. Vid en "
            "drogscen gäller det särskilt att nå unga som dras till platsen innan de etablerar sig "
            "där; uppgifter om enskilda barn omfattas av sekretess."
        ),
        "lead_kinds": ["kommun"],
        "techniques": [],
        "source_checked": True,
        "source": f"{_SOCIAL}; {_ROLES}, Kommunerna",
    },
    {
        "slug": "rad-till-foraldrar",
        "name": "Råd till föräldrar",
        "kind": "social",
        "description": (
            "Föräldrar och andra vårdnadshavare får information och konkreta råd, till exempel om "
            "tecken på att ett barn dras till narkotika eller kriminella miljöer, hur de kan prata "
            "med barnet och var de kan få stöd. Råden kan ges vid föräldramöten, skriftligt eller "
            "i enskilda samtal. Det passar när unga syns på eller kring drogscenen, och budskapen "
            "bör samordnas mellan skola, socialtjänst och polis."
        ),
        "lead_kinds": ["kommun", "polis"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "foraldraskapsstod",
        "name": "Föräldraskapsstöd",
        "kind": "social",
        "description": (
            "Strukturerat stöd till föräldrar, ofta i form av gruppprogram eller enskilda samtal, "
            "som stärker relationen till barnet och förmågan att sätta gränser. Stödet kan ges "
            "brett till alla föräldrar eller riktas till familjer där barnet visar tidiga tecken "
            "på problem. Insatsen är långsiktig och påverkar inte drogscenen direkt, men kan "
            "bidra till att färre unga dras in i miljön."
        ),
        "lead_kinds": ["kommun", "region_hsf", "civil"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "orossamtal",
        "name": "Orossamtal",
        "kind": "social",
        "description": (
            "Ett samtal med en ung person och dennes vårdnadshavare när det finns oro för att den "
            "unge är på väg in i kriminalitet eller missbruk, till exempel efter att ha påträffats "
            "vid en drogscen. Samtalet hålls ofta av polis tillsammans med socialtjänsten och "
            "syftar till att tydliggöra oron och erbjuda stöd. Vad som får delas mellan "
            "myndigheterna styrs av sekretessreglerna."
        ),
        "lead_kinds": ["polis", "kommun"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "orosanmalan",
        "name": "Orosanmälan till socialtjänsten",
        "kind": "social",
        "description": (
            "När polis eller annan personal ser att ett barn kan behöva skydd eller stöd, till "
            "exempel för att barnet vistas vid en drogscen, görs en anmälan till socialtjänsten. "
            "Anmälningarna är ett sätt att motverka att unga rekryteras till miljön. Många "
            "yrkesgrupper är skyldiga att anmäla, och socialtjänsten bedömer sedan om en "
            "utredning ska inledas."
        ),
        "lead_kinds": ["polis", "kommun"],
        "techniques": [],
        "source_checked": True,
        "source": f"{_ROLES}, Polismyndigheten",
    },
    {
        "slug": "anmalningsmoten-efter-orosanmalan",
        "name": "Anmälningsmöten efter orosanmälan",
        "kind": "social",
        "description": (
            "Efter en orosanmälan bjuder socialtjänsten in barnet, vårdnadshavarna och den som "
            "har anmält, till exempel skolan eller polisen, till ett gemensamt möte. Familjen får "
            "då veta vad oron gäller och kan snabbt erbjudas stöd. Mötet bör hållas tidigt efter "
            "anmälan, och vad som tas upp måste rymmas inom sekretessreglerna."
        ),
        "lead_kinds": ["kommun", "polis"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "mumin",
        "name": "MUMIN",
        "kind": "social",
        "description": (
            "Samverkansmodell där polisen ingriper mot narkotikabrott och skyndsamt slussar "
            "personen vidare till socialtjänst och beroendevård. Syftet är att ingripandet blir en "
            "väg in i stöd och behandling och inte enbart leder till lagföring. Modellen "
            "förutsätter att vården kan ta emot snabbt och att uppgifter förs över med samtycke "
            "eller annat stöd i sekretessreglerna."
        ),
        "lead_kinds": ["polis", "kommun", "region_hsf"],
        "techniques": [],
        "source_checked": True,
        "source": f"{_SOCIAL}; {_ROLES}, Polismyndigheten",
    },
    {
        "slug": "sig",
        "name": "SIG",
        "kind": "social",
        "description": (
            "Sociala insatsgrupper samlar socialtjänst, polis och andra berörda aktörer kring en "
            "ung person som riskerar att fastna i eller redan är del av kriminalitet, med en "
            "individuell plan för stöd. Arbetet bygger på samtycke. Det kan vara aktuellt för "
            "unga som rör sig på en drogscen, och uppgifter om individerna omfattas av sekretess."
        ),
        "lead_kinds": ["kommun", "polis"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "sspf",
        "name": "SSPF",
        "kind": "social",
        "description": (
            "Samverkan mellan skola, socialtjänst, polis och fritid kring barn och unga i riskzon "
            "för kriminalitet eller missbruk, både på områdesnivå och kring enskilda. På "
            "individnivå krävs i regel samtycke från vårdnadshavare. Modellen passar när unga "
            "från ett visst område dras till en drogscen och flera verksamheter behöver agera "
            "samordnat."
        ),
        "lead_kinds": ["kommun", "polis"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "fokuslistor",
        "name": "Fokuslistor",
        "kind": "social",
        "description": (
            "Prioriterade förteckningar över personer som bedöms ha stor betydelse för "
            "brottsligheten på en plats eller vara i särskild risk, som underlag för samordnade "
            "insatser. De hjälper till att rikta resurser mot de få som står för mycket av "
            "problemen. Listorna innehåller personuppgifter som omfattas av sekretess och "
            "dataskyddsregler; de hanteras inom respektive myndighet och inte i plattformen."
        ),
        "lead_kinds": ["polis", "kommun"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "avhopparverksamhet",
        "name": "Avhopparverksamhet",
        "kind": "social",
        "description": (
            "Strukturerat stöd till personer som vill lämna kriminella nätverk eller gäng, till "
            "exempel kring skydd, boende, sysselsättning och samtalsstöd. Verksamheten drivs ofta "
            "av kommunen i samverkan med polisen och ibland civilsamhället. För en drogscen kan "
            "den vara aktuell för personer i försäljningsledet, och hot mot den som hoppar av "
            "måste bedömas noga."
        ),
        "lead_kinds": ["kommun", "polis", "civil"],
        "techniques": [],
        "source_checked": False,
        "source": "",
    },
    {
        "slug": "kriminalvardens-ataganden",
        "name": "Kriminalvårdens åtaganden",
        "kind": "social",
        "description": (
            "Kriminalvården bidrar till att färre personer påverkar platser som öppna drogscener "
            "negativt, bland annat genom skärpt kontroll av dem som står under övervakning. För "
            "en sådan person kan Kriminalvården besluta om en föreskrift att inte vistas inom ett "
            "visst område, till exempel en konstaterad drogscen. Det förutsätter att "
            "Kriminalvården känner till vilka platser som är aktuella, vilket gör en delad "
            "lägesbild viktig."
        ),
        "lead_kinds": ["kriminalvarden"],
        "techniques": [],
        "source_checked": True,
        "source": f"{_SOCIAL}; {_ROLES}, Kriminalvården",
    },
    {
        "slug": "stod-for-att-lamna-kriminalitet",
        "name": "Stöd till den som vill lämna kriminalitet",
        "kind": "social",
        "description": (
            "Personer som vill bryta med kriminaliteten får stöd utifrån sina behov, till exempel "
            "kring boende, sysselsättning, skulder, beroende och relationer. Stödet samordnas "
            "mellan socialtjänst, Kriminalvården, vården och civilsamhället. Till skillnad från "
            "avhopparverksamhet förutsätter det ingen koppling till ett gäng eller nätverk."
        ),
        "lead_kinds": ["kommun", "kriminalvarden", "civil"],
        "techniques": [],
        "source_checked": True,
        "source": _SOCIAL,
    },
    {
        "slug": "minskat-aterfall-efter-straff",
        "name": "Minskat återfall efter avtjänat straff",
        "kind": "social",
        "description": (
            "Insatser under och efter verkställigheten som ska minska risken att den som avtjänat "
            "ett straff begår nya brott, till exempel planering inför frigivningen och samordning "
            "med socialtjänsten kring boende och sysselsättning. För en drogscen är det aktuellt "
            "när personer som påverkar platsen friges och riskerar att återvända dit. Övergången "
            "mellan Kriminalvården och kommunen behöver planeras i god tid."
        ),
        "lead_kinds": ["kriminalvarden", "kommun"],
        "techniques": [],
        "source_checked": True,
        "source": _SOCIAL,
    },
    {
        "slug": "stod-vard-och-behandling",
        "name": "Stöd, vård och behandling vid beroende",
        "kind": "social",
        "description": (
            "Region Stockholm ansvarar för stöd, vård och behandling och erbjuder, tillsammans "
            "med kommunens socialtjänst, vård till personer med beroende på eller kring "
            "drogscenen. Lättillgänglig vård kan minska skadeverkningar och ge en väg ut ur "
            "missbruket. Insatser på platsen bör planeras så att de inte försvårar kontakten med "
            "vården, och vårdens sekretess gäller."
        ),
        "lead_kinds": ["region_hsf", "kommun"],
        "techniques": [],
        "source_checked": True,
        "source": f"{_ROLES}, Hälso- och sjukvårdsförvaltningen",
    },
]


CATALOGUE_FIELDS = (
    "name", "kind", "description", "lead_kinds", "techniques", "source_checked", "source",
)  # fmt: skip


def _values(entry: dict) -> dict:
    return {
        name: list(entry[name]) if name in ("lead_kinds", "techniques") else entry[name]
        for name in CATALOGUE_FIELDS
    }


def sync_methods(method_model) -> tuple[int, int, int]:
    """Bring the table up to date with this catalogue; returns (created, updated, kept).

    Missing methods are created. A method that still holds what the catalogue gave it
    (`catalogue_managed`) takes the catalogue's current text; one that was edited in the
    platform is kept as it is. A method whose origin is not yet known (from before the
    platform recorded it) counts as the catalogue's if it holds exactly the catalogue's text,
    and as edited otherwise."""
    created = updated = kept = 0
    by_slug = {
        m.slug: m for m in method_model.objects.filter(slug__in=[e["slug"] for e in METHODS])
    }
    for entry in METHODS:
        values = _values(entry)
        method = by_slug.get(entry["slug"])
        if method is None:
            method_model.objects.create(slug=entry["slug"], catalogue_managed=True, **values)
            created += 1
            continue
        current = {name: getattr(method, name) for name in CATALOGUE_FIELDS}
        if method.catalogue_managed is None:
            method.catalogue_managed = current == values
            method.save(update_fields=["catalogue_managed"])
        if not method.catalogue_managed:
            kept += 1
        elif current != values:
            for name, value in values.items():
                setattr(method, name, value)
            method.save(update_fields=[*CATALOGUE_FIELDS, "updated_at"])
            updated += 1
    return created, updated, kept


def seed_methods(method_model) -> int:
    """Create the catalogue's methods that the table lacks (matched on slug); returns how many.

    Takes the model class, so that both the data migration (with its historical model) and
    the tests (whose transactional flushes empty the table) can call it."""
    existing = set(method_model.objects.values_list("slug", flat=True))
    missing = [m for m in METHODS if m["slug"] not in existing]
    method_model.objects.bulk_create(
        method_model(
            slug=m["slug"],
            name=m["name"],
            kind=m["kind"],
            description=m["description"],
            lead_kinds=list(m["lead_kinds"]),
            techniques=list(m["techniques"]),
            source_checked=m["source_checked"],
            source=m["source"],
        )
        for m in missing
    )
    return len(missing)
