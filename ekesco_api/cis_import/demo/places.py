"""Places of the demo export: seven cities with their districts, localities and neighbourhoods.

Names are given in Albanian, Serbian (Latin) and English. Villages have no neighbourhoods in the
CIS: their addresses stop at the locality, and so does their branch of the area tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Place:
    sq: str
    sr: str
    en: str


@dataclass(frozen=True)
class Locality:
    name: Place
    neighbourhoods: tuple[Place, ...]
    # How many customers live here relative to the city's other localities.
    weight: int
    # Share of households held under Serbian names (North Mitrovica, Gračanica, Štrpce ...).
    serbian_share: float = 0.02


@dataclass(frozen=True)
class City:
    district: str  # the customer-code prefix of the KESCO district
    name: Place
    weight: int
    localities: tuple[Locality, ...]
    streets: tuple[str, ...]
    serbian_streets: tuple[str, ...] = field(default=())


def _p(sq: str, sr: str | None = None, en: str | None = None) -> Place:
    return Place(sq, sr or sq, en or sq)


CENTRE = _p("Qendra", "Centar", "Centre")

CITIES: tuple[City, ...] = (
    City(
        district="DPR",
        name=_p("Prishtinë", "Priština", "Pristina"),
        weight=32,
        localities=(
            Locality(
                _p("Prishtinë", "Priština", "Pristina"),
                (
                    CENTRE,
                    _p("Dardania", "Dardanija"),
                    _p("Ulpiana", "Ulpijana"),
                    _p("Bregu i Diellit", "Sunčani Breg", "Sunny Hill"),
                    _p("Kodra e Trimave", "Vranjevac"),
                    _p("Arbëria", "Dragodan"),
                    _p("Lakrishtë", "Lakrište"),
                    _p("Mati 1", "Mati 1"),
                    _p("Tophane", "Tophane"),
                    _p("Kalabria", "Kalabrija"),
                    _p("Qyteza Pejton", "Pejton", "Peyton"),
                ),
                weight=80,
            ),
            Locality(_p("Hajvali", "Ajvalija"), (), weight=8),
            Locality(_p("Bardhosh", "Bardoš"), (), weight=4),
            Locality(_p("Koliq", "Kolić"), (), weight=3),
            Locality(_p("Graçanicë", "Gračanica", "Gracanica"), (), weight=5, serbian_share=0.9),
        ),
        streets=(
            "Rr. Nëna Terezë",
            "Rr. Agim Ramadani",
            "Rr. Bill Klinton",
            "Rr. UÇK",
            "Rr. Garibaldi",
            "Rr. Luan Haradinaj",
            "Rr. Fehmi Agani",
            "Rr. Rexhep Luci",
            "Rr. Ilir Konushevci",
            "Rr. Hasan Prishtina",
            "Rr. Xhorxh Bush",
            "Rr. Rrustem Statovci",
            "Rr. Muharrem Fejza",
            "Rr. Tirana",
            "Rr. Lidhja e Pejës",
            "Rr. Dëshmorët e Kombit",
            "Rr. Pashko Vasa",
            "Rr. Ahmet Krasniqi",
        ),
        serbian_streets=("Ul. Kralja Milutina", "Ul. Vidovdanska", "Ul. Kosovska"),
    ),
    City(
        district="DPZ",
        name=_p("Prizren"),
        weight=17,
        localities=(
            Locality(
                _p("Prizren"),
                (
                    _p("Shadërvan", "Šadrvan"),
                    _p("Arasta"),
                    _p("Ortakoll", "Ortakol"),
                    _p("Jeni Mahallë", "Jeni Mahala"),
                    _p("Marash", "Maraš"),
                    _p("Bajram Curri", "Bajram Curi"),
                    _p("Lakuriq", "Lakurić"),
                ),
                weight=75,
            ),
            Locality(_p("Landovicë", "Landovica"), (), weight=9),
            Locality(_p("Lubizhdë", "Ljubižda"), (), weight=8),
            Locality(_p("Zhur", "Žur"), (), weight=8),
        ),
        streets=(
            "Rr. Remzi Ademaj",
            "Rr. Shën Flori",
            "Rr. Adem Jashari",
            "Rr. Lidhja e Prizrenit",
            "Rr. Vatra Shqiptare",
            "Rr. Xhemajl Kada",
            "Rr. Ymer Prizreni",
            "Rr. Marin Barleti",
            "Rr. De Rada",
            "Rr. Bujtinat",
        ),
        serbian_streets=("Ul. Cara Dušana", "Ul. Potkaljaja"),
    ),
    City(
        district="DPE",
        name=_p("Pejë", "Peć", "Peja"),
        weight=12,
        localities=(
            Locality(
                _p("Pejë", "Peć", "Peja"),
                (
                    CENTRE,
                    _p("Karagaç", "Karagač"),
                    _p("Kristal"),
                    _p("Brezhanik", "Brežanik"),
                    _p("Fidanishte", "Fidanište"),
                    _p("Dardania", "Dardanija"),
                ),
                weight=75,
            ),
            Locality(_p("Vitomiricë", "Vitomirica"), (), weight=12),
            Locality(_p("Gllogjan", "Glođane"), (), weight=6),
            Locality(_p("Rugovë", "Rugovo", "Rugova"), (), weight=4),
        ),
        streets=(
            "Rr. Mbretëresha Teutë",
            "Rr. Eliot Engel",
            "Rr. Xhemajl Kada",
            "Rr. Bislim Bajgora",
            "Rr. Haxhi Zeka",
            "Rr. Adem Jashari",
            "Rr. Skënderbeu",
            "Rr. William Walker",
            "Rr. Mbretëresha Teutë",
        ),
        serbian_streets=("Ul. Patrijaršijska", "Ul. Goraždevac"),
    ),
    City(
        district="DGJ",
        name=_p("Gjakovë", "Đakovica", "Gjakova"),
        weight=10,
        localities=(
            Locality(
                _p("Gjakovë", "Đakovica", "Gjakova"),
                (
                    CENTRE,
                    _p("Çarshia e Madhe", "Velika Čaršija", "Grand Bazaar"),
                    _p("Blloku i Ri", "Novi Blok", "New Block"),
                    _p("Orize"),
                    _p("Dardania", "Dardanija"),
                ),
                weight=80,
            ),
            Locality(_p("Rogovë", "Rogovo", "Rogova"), (), weight=10),
            Locality(_p("Ponoshec", "Ponoševac"), (), weight=10),
        ),
        streets=(
            "Rr. Nëna Terezë",
            "Rr. Ismail Qemali",
            "Rr. Mazrekët",
            "Rr. Mujë Krasniqi",
            "Rr. Hakif Zejnullahu",
            "Rr. Yll Morina",
            "Rr. Sheh Bekimi",
            "Rr. Vëllezërit Frashëri",
        ),
    ),
    City(
        district="DMI",
        name=_p("Mitrovicë", "Mitrovica"),
        weight=12,
        localities=(
            Locality(
                _p("Mitrovicë", "Mitrovica"),
                (
                    CENTRE,
                    _p("Ilirida", "Ilirida"),
                    _p("Tavnik"),
                    _p("Shipol", "Šipolje"),
                    _p("Lagjja e Minatorëve", "Rudarsko Naselje", "Miners' Quarter"),
                ),
                weight=50,
            ),
            Locality(
                _p("Mitrovicë e Veriut", "Severna Mitrovica", "North Mitrovica"),
                (
                    _p("Lagjja e Boshnjakëve", "Bošnjačka Mahala", "Bosniak Quarter"),
                    _p("Tri Solitera", "Tri Solitera", "Three Towers"),
                    _p("Kodra e Minatorëve", "Mikronaselje"),
                    _p("Suhodoll", "Suvi Do"),
                ),
                weight=35,
                serbian_share=0.9,
            ),
            Locality(_p("Zhabar", "Žabare"), (), weight=8),
            Locality(_p("Vaganicë", "Vaganica"), (), weight=7),
        ),
        streets=(
            "Rr. Mbretëresha Teutë",
            "Rr. Adem Jashari",
            "Rr. Ali Zijai",
            "Rr. Bislim Bajgora",
            "Rr. Shemsi Ahmeti",
            "Rr. Isa Boletini",
            "Rr. Bedri Gjinaj",
        ),
        serbian_streets=(
            "Ul. Kralja Petra I",
            "Ul. Kneza Miloša",
            "Ul. Čika Jovina",
            "Ul. Vuka Karadžića",
            "Ul. Sutjeska",
            "Ul. Šumadijska",
        ),
    ),
    City(
        district="DFE",
        name=_p("Ferizaj", "Uroševac"),
        weight=10,
        localities=(
            Locality(
                _p("Ferizaj", "Uroševac"),
                (
                    CENTRE,
                    _p("Dardania", "Dardanija"),
                    _p("Bibaj"),
                    _p("Sallahane", "Salahane"),
                    _p("Lagjja e Re", "Novo Naselje", "New Quarter"),
                ),
                weight=75,
            ),
            Locality(_p("Nerodime", "Nerodimlje"), (), weight=10),
            Locality(_p("Babush", "Babuš"), (), weight=7),
            Locality(_p("Shtërpcë", "Štrpce", "Shtërpcë"), (), weight=8, serbian_share=0.85),
        ),
        streets=(
            "Rr. Dëshmorët e Kombit",
            "Rr. Ahmet Kaçiku",
            "Rr. Rexhep Bislimi",
            "Rr. Vëllezërit Gërvalla",
            "Rr. Zenel Hajdini",
            "Rr. Skënderbeu",
            "Rr. Dritan Hoxha",
        ),
        serbian_streets=("Ul. Sv. Nikole", "Ul. Brezovica"),
    ),
    City(
        district="DGL",
        name=_p("Gjilan", "Gnjilane"),
        weight=10,
        localities=(
            Locality(
                _p("Gjilan", "Gnjilane"),
                (
                    CENTRE,
                    _p("Arbëria", "Arbërija"),
                    _p("Dardania", "Dardanija"),
                    _p("Kodra e Dëshmorëve", "Brdo Mučenika", "Martyrs' Hill"),
                    _p("Bajram Curri", "Bajram Curi"),
                ),
                weight=75,
            ),
            Locality(_p("Livoç", "Livoč"), (), weight=9),
            Locality(_p("Përlepnicë", "Prilepnica"), (), weight=8),
            Locality(_p("Cërnicë", "Černica"), (), weight=8),
        ),
        streets=(
            "Rr. Adem Jashari",
            "Rr. Idriz Seferi",
            "Rr. Bulevardi i Pavarësisë",
            "Rr. Zija Shemsiu",
            "Rr. Mulla Idrizi",
            "Rr. Ramadan Agushi",
            "Rr. Ulpiana",
        ),
        serbian_streets=("Ul. Vidovdanska", "Ul. Njegoševa", "Ul. Svetog Save"),
    ),
)
