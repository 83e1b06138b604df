"""A synthetic filmgraph knowledge base of a chosen size, for benchmarks (run on demand, not a test).

    python benchmarks/synth.py --triples 100000 --seed 1 --out /tmp/kb-100k
    filmgraph --project /tmp/kb-100k check
    filmgraph --project /tmp/kb-100k stats

writes a knowledge base folder that ``filmgraph check`` accepts, of about ``--triples`` asserted
triples (the ontology and the curated graph included; ``filmgraph stats`` reports more, since it
counts the entailed graph too). The same ``--triples`` and ``--seed`` always give the same bytes.
``--force`` replaces a folder that is not empty (without it that is refused).

What is in the folder:

- ``ontology/`` and ``queries/``: copies of this repository's (so every library query runs).
- ``graph/``: this repository's curated graph, copied (its entities, such as Almaty, Han Bing or
  the Beijing Municipal Film Bureau, are reused by the synthetic sources, and the library's
  example parameters find them); ``reference.trig`` gets a second block of countries and cities
  with WGS84 coordinates and zh/en/ru names (approximate coordinates; not for publication).
- ``graph/NNN_<hash>.trig``: one file and one named graph per synthetic source document (about
  2,000 triples each), in Chinese or English, and its text in ``graph/sources/NNN_<hash>.txt``.
  Each source reports a delegation visit, a film festival, a forum or a film market, with
  sub-events: promotions (promoted films, counts, presenters), screenings, symposia (topics),
  professional talks, co-productions, commemorations with concerts and exhibitions, invitations;
  people with their posts (fg:Membership), statements, event roles, programmes, themed years and
  policy frameworks. Every fg:evidence and fg:quote is a sentence of the generated text, so the
  quotes are verbatim; some placements are fg:inferred with a note. Entities recur across
  sources (the popular ones more often), as in real reporting: a later source adds its evidence
  for them in its own graph. About one source in fifty is marked fg:internal true (unpublished);
  it introduces no shared entity, so the public export profile stays consistent.

Python: ``generate(triples, seed=1, out=Path(...))`` returns the counts (see :func:`generate`).
It takes a few seconds per 100,000 triples and writes as it goes (memory holds the entity pools,
never the whole graph).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FG = "https://w3id.org/filmgraph/ontology#"
BASE = "https://w3id.org/filmgraph/"
ID = BASE + "id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

#: triples per synthetic source document (its named graph), roughly
TRIPLES_PER_SOURCE = 2000
#: one source in this many is marked fg:internal true
INTERNAL_EVERY = 50

PREFIXES = """@prefix fg:      <https://w3id.org/filmgraph/ontology#> .
@prefix fgid:    <https://w3id.org/filmgraph/id/> .
@prefix fgsrc:   <https://w3id.org/filmgraph/source/> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
"""

# -- the world: countries and cities added to the reference data -------------------------------

#: slug, zh, en, ru, Wikidata item
COUNTRIES = (
    ("france", "法国", "France", "Франция", "Q142"), ("germany", "德国", "Germany", "Германия", "Q183"),
    ("italy", "意大利", "Italy", "Италия", "Q38"),
    ("united-kingdom", "英国", "United Kingdom", "Великобритания", "Q145"),
    ("spain", "西班牙", "Spain", "Испания", "Q29"), ("japan", "日本", "Japan", "Япония", "Q17"),
    ("south-korea", "韩国", "South Korea", "Южная Корея", "Q884"), ("india", "印度", "India", "Индия", "Q668"),
    ("iran", "伊朗", "Iran", "Иран", "Q794"), ("uzbekistan", "乌兹别克斯坦", "Uzbekistan", "Узбекистан", "Q265"),
    ("tajikistan", "塔吉克斯坦", "Tajikistan", "Таджикистан", "Q863"),
    ("turkmenistan", "土库曼斯坦", "Turkmenistan", "Туркмения", "Q874"),
    ("mongolia", "蒙古国", "Mongolia", "Монголия", "Q711"), ("belarus", "白俄罗斯", "Belarus", "Белоруссия", "Q184"),
    ("serbia", "塞尔维亚", "Serbia", "Сербия", "Q403"), ("hungary", "匈牙利", "Hungary", "Венгрия", "Q28"),
    ("poland", "波兰", "Poland", "Польша", "Q36"), ("greece", "希腊", "Greece", "Греция", "Q41"),
    ("azerbaijan", "阿塞拜疆", "Azerbaijan", "Азербайджан", "Q227"), ("georgia", "格鲁吉亚", "Georgia", "Грузия", "Q230"),
    ("armenia", "亚美尼亚", "Armenia", "Армения", "Q399"),
    ("saudi-arabia", "沙特阿拉伯", "Saudi Arabia", "Саудовская Аравия", "Q851"),
    ("united-arab-emirates", "阿联酋", "United Arab Emirates", "Объединённые Арабские Эмираты", "Q878"),
    ("pakistan", "巴基斯坦", "Pakistan", "Пакистан", "Q843"), ("vietnam", "越南", "Vietnam", "Вьетнам", "Q881"),
    ("thailand", "泰国", "Thailand", "Таиланд", "Q869"), ("singapore", "新加坡", "Singapore", "Сингапур", "Q334"),
    ("indonesia", "印度尼西亚", "Indonesia", "Индонезия", "Q252"), ("malaysia", "马来西亚", "Malaysia", "Малайзия", "Q833"),
    ("brazil", "巴西", "Brazil", "Бразилия", "Q155"), ("argentina", "阿根廷", "Argentina", "Аргентина", "Q414"),
    ("mexico", "墨西哥", "Mexico", "Мексика", "Q96"),
    ("united-states", "美国", "United States", "Соединённые Штаты Америки", "Q30"),
    ("canada", "加拿大", "Canada", "Канада", "Q16"), ("australia", "澳大利亚", "Australia", "Австралия", "Q408"),
    ("south-africa", "南非", "South Africa", "Южно-Африканская Республика", "Q258"),
    ("nigeria", "尼日利亚", "Nigeria", "Нигерия", "Q1033"), ("kenya", "肯尼亚", "Kenya", "Кения", "Q114"),
    ("morocco", "摩洛哥", "Morocco", "Марокко", "Q1028"),
)

#: slug, zh, en, ru, country slug, latitude, longitude (WGS84, approximate)
CITIES = (
    ("shanghai", "上海", "Shanghai", "Шанхай", "china", 31.2304, 121.4737),
    ("guangzhou", "广州", "Guangzhou", "Гуанчжоу", "china", 23.1291, 113.2644),
    ("shenzhen", "深圳", "Shenzhen", "Шэньчжэнь", "china", 22.5431, 114.0579),
    ("chengdu", "成都", "Chengdu", "Чэнду", "china", 30.5728, 104.0668),
    ("xian", "西安", "Xi'an", "Сиань", "china", 34.3416, 108.9398),
    ("urumqi", "乌鲁木齐", "Urumqi", "Урумчи", "china", 43.8256, 87.6168),
    ("harbin", "哈尔滨", "Harbin", "Харбин", "china", 45.8038, 126.5350),
    ("hangzhou", "杭州", "Hangzhou", "Ханчжоу", "china", 30.2741, 120.1551),
    ("astana", "阿斯塔纳", "Astana", "Астана", "kazakhstan", 51.1605, 71.4704),
    ("shymkent", "奇姆肯特", "Shymkent", "Шымкент", "kazakhstan", 42.3417, 69.5901),
    ("saint-petersburg", "圣彼得堡", "Saint Petersburg", "Санкт-Петербург", "russia", 59.9311, 30.3609),
    ("kazan", "喀山", "Kazan", "Казань", "russia", 55.7887, 49.1221),
    ("vladivostok", "符拉迪沃斯托克", "Vladivostok", "Владивосток", "russia", 43.1155, 131.8855),
    ("novosibirsk", "新西伯利亚", "Novosibirsk", "Новосибирск", "russia", 55.0084, 82.9357),
    ("bishkek", "比什凯克", "Bishkek", "Бишкек", "kyrgyzstan", 42.8746, 74.5698),
    ("tashkent", "塔什干", "Tashkent", "Ташкент", "uzbekistan", 41.2995, 69.2401),
    ("samarkand", "撒马尔罕", "Samarkand", "Самарканд", "uzbekistan", 39.6270, 66.9750),
    ("dushanbe", "杜尚别", "Dushanbe", "Душанбе", "tajikistan", 38.5598, 68.7870),
    ("ashgabat", "阿什哈巴德", "Ashgabat", "Ашхабад", "turkmenistan", 37.9601, 58.3261),
    ("ulaanbaatar", "乌兰巴托", "Ulaanbaatar", "Улан-Батор", "mongolia", 47.8864, 106.9057),
    ("istanbul", "伊斯坦布尔", "Istanbul", "Стамбул", "turkey", 41.0082, 28.9784),
    ("ankara", "安卡拉", "Ankara", "Анкара", "turkey", 39.9334, 32.8597),
    ("minsk", "明斯克", "Minsk", "Минск", "belarus", 53.9006, 27.5590),
    ("belgrade", "贝尔格莱德", "Belgrade", "Белград", "serbia", 44.7866, 20.4489),
    ("budapest", "布达佩斯", "Budapest", "Будапешт", "hungary", 47.4979, 19.0402),
    ("warsaw", "华沙", "Warsaw", "Варшава", "poland", 52.2297, 21.0122),
    ("athens", "雅典", "Athens", "Афины", "greece", 37.9838, 23.7275),
    ("paris", "巴黎", "Paris", "Париж", "france", 48.8566, 2.3522),
    ("cannes", "戛纳", "Cannes", "Канны", "france", 43.5528, 7.0174),
    ("berlin", "柏林", "Berlin", "Берлин", "germany", 52.5200, 13.4050),
    ("rome", "罗马", "Rome", "Рим", "italy", 41.9028, 12.4964),
    ("venice", "威尼斯", "Venice", "Венеция", "italy", 45.4408, 12.3155),
    ("london", "伦敦", "London", "Лондон", "united-kingdom", 51.5074, -0.1278),
    ("madrid", "马德里", "Madrid", "Мадрид", "spain", 40.4168, -3.7038),
    ("tokyo", "东京", "Tokyo", "Токио", "japan", 35.6762, 139.6503),
    ("busan", "釜山", "Busan", "Пусан", "south-korea", 35.1796, 129.0756),
    ("seoul", "首尔", "Seoul", "Сеул", "south-korea", 37.5665, 126.9780),
    ("new-delhi", "新德里", "New Delhi", "Нью-Дели", "india", 28.6139, 77.2090),
    ("mumbai", "孟买", "Mumbai", "Мумбаи", "india", 19.0760, 72.8777),
    ("tehran", "德黑兰", "Tehran", "Тегеран", "iran", 35.6892, 51.3890),
    ("baku", "巴库", "Baku", "Баку", "azerbaijan", 40.4093, 49.8671),
    ("tbilisi", "第比利斯", "Tbilisi", "Тбилиси", "georgia", 41.7151, 44.8271),
    ("yerevan", "埃里温", "Yerevan", "Ереван", "armenia", 40.1792, 44.4991),
    ("riyadh", "利雅得", "Riyadh", "Эр-Рияд", "saudi-arabia", 24.7136, 46.6753),
    ("dubai", "迪拜", "Dubai", "Дубай", "united-arab-emirates", 25.2048, 55.2708),
    ("abu-dhabi", "阿布扎比", "Abu Dhabi", "Абу-Даби", "united-arab-emirates", 24.4539, 54.3773),
    ("islamabad", "伊斯兰堡", "Islamabad", "Исламабад", "pakistan", 33.6844, 73.0479),
    ("hanoi", "河内", "Hanoi", "Ханой", "vietnam", 21.0278, 105.8342),
    ("bangkok", "曼谷", "Bangkok", "Бангкок", "thailand", 13.7563, 100.5018),
    ("singapore", "新加坡", "Singapore", "Сингапур", "singapore", 1.3521, 103.8198),
    ("jakarta", "雅加达", "Jakarta", "Джакарта", "indonesia", -6.2088, 106.8456),
    ("kuala-lumpur", "吉隆坡", "Kuala Lumpur", "Куала-Лумпур", "malaysia", 3.1390, 101.6869),
    ("sao-paulo", "圣保罗", "São Paulo", "Сан-Паулу", "brazil", -23.5505, -46.6333),
    ("rio-de-janeiro", "里约热内卢", "Rio de Janeiro", "Рио-де-Жанейро", "brazil", -22.9068, -43.1729),
    ("buenos-aires", "布宜诺斯艾利斯", "Buenos Aires", "Буэнос-Айрес", "argentina", -34.6037, -58.3816),
    ("mexico-city", "墨西哥城", "Mexico City", "Мехико", "mexico", 19.4326, -99.1332),
    ("los-angeles", "洛杉矶", "Los Angeles", "Лос-Анджелес", "united-states", 34.0522, -118.2437),
    ("new-york", "纽约", "New York", "Нью-Йорк", "united-states", 40.7128, -74.0060),
    ("toronto", "多伦多", "Toronto", "Торонто", "canada", 43.6532, -79.3832),
    ("sydney", "悉尼", "Sydney", "Сидней", "australia", -33.8688, 151.2093),
    ("johannesburg", "约翰内斯堡", "Johannesburg", "Йоханнесбург", "south-africa", -26.2041, 28.0473),
    ("lagos", "拉各斯", "Lagos", "Лагос", "nigeria", 6.5244, 3.3792),
    ("nairobi", "内罗毕", "Nairobi", "Найроби", "kenya", -1.2921, 36.8219),
    ("casablanca", "卡萨布兰卡", "Casablanca", "Касабланка", "morocco", 33.5731, -7.5898),
    ("alexandria", "亚历山大", "Alexandria", "Александрия", "egypt", 31.2001, 29.9187),
)

#: slug, zh, en, ru
REGIONS = (
    ("southeast-asia", "东南亚", "Southeast Asia", "Юго-Восточная Азия"),
    ("middle-east", "中东", "Middle East", "Ближний Восток"),
    ("western-europe", "西欧", "Western Europe", "Западная Европа"),
    ("latin-america", "拉丁美洲", "Latin America", "Латинская Америка"),
    ("africa", "非洲", "Africa", "Африка"),
)

# -- names -------------------------------------------------------------------------------------

CN_SURNAMES = (("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
               ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
               ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"),
               ("马", "Ma"), ("罗", "Luo"), ("梁", "Liang"), ("宋", "Song"), ("郑", "Zheng"), ("谢", "Xie"),
               ("韩", "Han"), ("唐", "Tang"), ("冯", "Feng"), ("于", "Yu"), ("董", "Dong"), ("萧", "Xiao"))
CN_GIVEN = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
            ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
            ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
            ("平", "ping"), ("刚", "gang"), ("文", "wen"), ("华", "hua"), ("建", "jian"), ("国", "guo"),
            ("海", "hai"), ("晓", "xiao"), ("雪", "xue"), ("晨", "chen"), ("宇", "yu"), ("欣", "xin"),
            ("佳", "jia"), ("思", "si"), ("博", "bo"), ("悦", "yue"), ("琪", "qi"), ("睿", "rui"), ("冰", "bing"))
#: en, ru, zh, female
RU_FIRST = (("Ivan", "Иван", "伊万", 0), ("Sergei", "Сергей", "谢尔盖", 0), ("Alexei", "Алексей", "阿列克谢", 0),
            ("Dmitry", "Дмитрий", "德米特里", 0), ("Andrei", "Андрей", "安德烈", 0), ("Nikolai", "Николай", "尼古拉", 0),
            ("Mikhail", "Михаил", "米哈伊尔", 0), ("Pavel", "Павел", "帕维尔", 0), ("Yuri", "Юрий", "尤里", 0),
            ("Olga", "Ольга", "奥尔加", 1), ("Anna", "Анна", "安娜", 1), ("Elena", "Елена", "叶莲娜", 1),
            ("Tatiana", "Татьяна", "塔季扬娜", 1), ("Natalia", "Наталья", "娜塔莉亚", 1), ("Maria", "Мария", "玛丽亚", 1))
RU_LAST = (("Petrov", "Петров", "彼得罗夫"), ("Ivanov", "Иванов", "伊万诺夫"), ("Smirnov", "Смирнов", "斯米尔诺夫"),
           ("Kuznetsov", "Кузнецов", "库兹涅佐夫"), ("Popov", "Попов", "波波夫"), ("Sokolov", "Соколов", "索科洛夫"),
           ("Volkov", "Волков", "沃尔科夫"), ("Morozov", "Морозов", "莫罗佐夫"), ("Orlov", "Орлов", "奥尔洛夫"),
           ("Lebedev", "Лебедев", "列别杰夫"))
CA_FIRST = (("Aidos", "Айдос", "艾多斯", 0), ("Nurlan", "Нурлан", "努尔兰", 0), ("Askar", "Аскар", "阿斯卡尔", 0),
            ("Bakhyt", "Бахыт", "巴赫特", 0), ("Yerlan", "Ерлан", "叶尔兰", 0), ("Dana", "Дана", "达娜", 1),
            ("Aigerim", "Айгерим", "阿依格林", 1), ("Madina", "Мадина", "马迪娜", 1))
CA_LAST = (("Nurlanov", "Нурланов", "努尔兰诺夫"), ("Abenov", "Абенов", "阿别诺夫"), ("Zhakupov", "Жакупов", "扎库波夫"),
           ("Omarov", "Омаров", "奥马罗夫"), ("Bekov", "Беков", "别科夫"), ("Seitkali", "Сейткали", "赛特卡利"))
INTL_FIRST = (("Marie", "玛丽"), ("Jean", "让"), ("Luca", "卢卡"), ("Sofia", "索菲亚"), ("Hans", "汉斯"),
              ("Emma", "埃玛"), ("Carlos", "卡洛斯"), ("Ahmed", "艾哈迈德"), ("Fatima", "法蒂玛"), ("Daniel", "丹尼尔"),
              ("Laura", "劳拉"), ("Marco", "马可"), ("Omar", "奥马尔"), ("Leila", "莱拉"), ("David", "大卫"),
              ("Sara", "萨拉"), ("Ali", "阿里"), ("Nadia", "娜迪娅"), ("Pedro", "佩德罗"), ("Thomas", "托马斯"))
INTL_LAST = (("Martin", "马丁"), ("Rossi", "罗西"), ("Muller", "穆勒"), ("Garcia", "加西亚"), ("Silva", "席尔瓦"),
             ("Haddad", "哈达德"), ("Novak", "诺瓦克"), ("Kovacs", "科瓦奇"), ("Rahman", "拉赫曼"), ("Santos", "桑托斯"),
             ("Bernard", "贝尔纳"), ("Fischer", "菲舍尔"), ("Lopez", "洛佩斯"), ("Nasser", "纳赛尔"),
             ("Petrovic", "彼得罗维奇"), ("Horvath", "霍瓦特"), ("Khan", "汗"), ("Costa", "科斯塔"))
CULTURE = {"china": "cn", "russia": "ru", "belarus": "ru", "kazakhstan": "ca", "kyrgyzstan": "ca",
           "uzbekistan": "ca", "tajikistan": "ca", "turkmenistan": "ca"}

TITLE_ADJ = (("遥远的", "Distant"), ("沉默的", "Silent"), ("最后的", "Last"), ("无尽的", "Endless"),
             ("燃烧的", "Burning"), ("失落的", "Lost"), ("金色的", "Golden"), ("孤独的", "Lonely"),
             ("隐秘的", "Hidden"), ("寂静的", "Quiet"), ("漫长的", "Long"), ("破碎的", "Broken"),
             ("白色的", "White"), ("北方的", "Northern"), ("明亮的", "Bright"))
TITLE_NOUN = (("草原", "Steppe"), ("星河", "River of Stars"), ("归途", "Road Home"), ("雪山", "Snow Mountain"),
              ("丝路", "Silk Road"), ("夏天", "Summer"), ("列车", "Train"), ("城市", "City"), ("海岸", "Coast"),
              ("边城", "Border Town"), ("信使", "Messenger"), ("旋律", "Melody"), ("风", "Wind"),
              ("家园", "Homeland"), ("骑手", "Rider"), ("灯塔", "Lighthouse"), ("天空", "Sky"), ("花园", "Garden"),
              ("守望者", "Watchman"), ("约定", "Promise"))
WORDS = (("天山", "Tianshan"), ("长城", "Great Wall"), ("丝路", "Silk Road"), ("星光", "Starlight"),
         ("东方", "Oriental"), ("草原", "Steppe"), ("北极星", "Polaris"), ("金鹰", "Golden Eagle"),
         ("青松", "Green Pine"), ("远山", "Far Mountain"), ("长风", "Long Wind"), ("明月", "Bright Moon"),
         ("蓝海", "Blue Ocean"), ("云图", "Cloud Atlas"), ("朝阳", "Morning Sun"), ("新丝路", "New Silk Road"),
         ("白桦", "Birch"), ("雪豹", "Snow Leopard"), ("骆驼", "Camel"), ("琥珀", "Amber"))
CINEMA_WORDS = (("友谊", "Friendship"), ("星光", "Starlight"), ("中央", "Central"), ("丝路", "Silk Road"),
                ("金色", "Golden"), ("明珠", "Pearl"), ("和平", "Peace"), ("胜利", "Victory"))
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SLOGANS = (("光影讲述中国故事", "telling stories on screen"), ("共话合作新篇章", "a new chapter of cooperation"),
           ("丝路影像交流再升温", "Silk Road film exchange warms up"), ("银幕架起友谊之桥", "the screen builds a bridge of friendship"),
           ("合拍合作迎来新机遇", "new chances for co-production"), ("电影交流走深走实", "film exchange grows deeper"))
THEMES = (("光影丝路", "Light and Shadow on the Silk Road"), ("银幕上的友谊", "Friendship on Screen"),
          ("百年电影记忆", "A Century of Film Memories"), ("城市与电影", "Cities and Cinema"),
          ("共同的银幕", "A Shared Screen"))
TOPICS = (("fg:CoProductionMechanisms", "合拍机制", "co-production mechanisms"),
          ("fg:JointTalentTraining", "人才联合培养", "joint talent training"),
          ("fg:TechnicalStandardsAlignment", "技术标准对接", "technical standards alignment"))
KINDS = (("fg:FeatureFilm", "故事片", "feature film", "a"), ("fg:DocumentaryFilm", "纪录片", "documentary", "a"),
         ("fg:AnimatedFilm", "动画片", "animated film", "an"))
GENRES = ("fg:CrimeGenre", "fg:SuspenseGenre")
FRAMEWORKS = (("digital-silk-road", "“数字丝绸之路”合作计划", "Digital Silk Road cooperation plan"),
              ("brics-film-cooperation-plan", "金砖国家电影合作计划", "BRICS film cooperation plan"))
QUOTES = (
    ("希望以电影为媒,与{n}的电影同仁深化理解、凝聚共识,共同探索电影国际合作的广阔前景。",
     "We hope to use film as a medium to deepen understanding and build consensus with our film colleagues in {N}, and to explore together the broad prospects of international film cooperation."),
    ("本次活动是两国文化机构与电影行业协同发力的成果,更是两国文化合作持续深化的又一重要体现。",
     "This event is the result of the joint efforts of the cultural institutions and film industries of our two countries, and another sign of our deepening cultural cooperation."),
    ("电影是最好的语言,我们期待与{n}同行在合拍、发行和人才培养方面开展更多合作。",
     "Film is the best language; we look forward to more cooperation with our colleagues from {N} in co-production, distribution and training."),
    ("{c}的观众对这些影片抱有浓厚兴趣,我们愿意为更多优秀影片进入当地市场搭建桥梁。",
     "Audiences in {C} are very interested in these films, and we are willing to build bridges for more fine films to reach the local market."),
    ("合拍片让两国观众在银幕上看到彼此的生活,这是文化交流最生动的方式。",
     "Co-productions let the audiences of both countries see each other's lives on screen; this is the liveliest form of cultural exchange."),
    ("我们将继续办好展映活动,让更多观众走进影院、了解{n}。",
     "We will keep organising screenings so that more people come to the cinema and get to know {N}."),
)

#: organisation class -> naming templates: (scope, zh, en); scope is city, country or word (+ city)
ORG_NAMES = {
    "GovernmentFilmAuthority": (("city-cn", "{c}市电影局", "{C} Municipal Film Bureau"),
                                ("city-foreign", "{c}电影委员会", "{C} Film Commission"),
                                ("country-foreign", "{n}国家电影局", "National Film Agency of {N}")),
    "PublicFilmInstitution": (("city", "{c}电影资料馆", "{C} Film Archive"),
                              ("city", "{c}电影事业发展中心", "{C} Film Development Center"),
                              ("country", "{n}国家电影学院", "{N} National Film Academy")),
    "FilmStudio": (("word", "{c}{w}电影制片厂", "{W} Film Studio, {C}"),),
    "Cinema": (("cinema", "{c}{w}电影院", "{W} Cinema, {C}"),),
    "Broadcaster": (("city", "{c}电视台", "{C} Television"),
                    ("country", "{n}国家广播电视台", "{N} National Broadcasting Corporation")),
    "CulturalCentre": (("city-foreign", "{c}中国文化中心", "China Cultural Center in {C}"),),
    "DiplomaticMission": (("city-foreign", "中国驻{c}总领馆", "Consulate General of China in {C}"),),
    "ProfessionalAssociation": (("country", "{n}电影家协会", "Filmmakers' Union of {N}"),
                                ("country", "{n}动画协会", "{N} Animation Association"),
                                ("city", "{c}电影发行放映协会", "{C} Film Distribution and Exhibition Association")),
    "FilmCompany": (("word", "{c}{w}影业有限公司", "{C} {W} Pictures Co., Ltd."),),
    "MediaOrganization": (("city", "{c}日报", "{C} Daily"), ("city", "{c}晚报", "{C} Evening News"),
                          ("country", "{n}新闻网", "{N} News Net")),
    "Delegation": (),  # made per visit, see Article
}
#: posts per organisation class: zh, en, role concept (or "")
POSTS = {
    "GovernmentFilmAuthority": (("局长", "Director-General", ""), ("副局长", "Deputy Director-General", "")),
    "PublicFilmInstitution": (("主任", "Director", "fg:DirectorPost"), ("副主任", "Deputy Director", "fg:DeputyDirectorPost")),
    "FilmStudio": (("厂长", "Director", "fg:DirectorPost"), ("制片人", "Producer", "")),
    "Cinema": (("总经理", "General Manager", ""),),
    "Broadcaster": (("台长", "Director-General", ""), ("节目总监", "Head of Programming", "")),
    "CulturalCentre": (("主任", "Director", "fg:DirectorPost"), ("副主任", "Deputy Director", "fg:DeputyDirectorPost")),
    "DiplomaticMission": (("总领事", "Consul General", ""), ("文化参赞", "Cultural Counsellor", "")),
    "ProfessionalAssociation": (("主席", "Chairman", "fg:Chairman"), ("副主席", "Vice-Chairman", "")),
    "FilmCompany": (("总经理", "General Manager", ""), ("制片人", "Producer", "")),
    "MediaOrganization": (("总编辑", "Editor-in-Chief", ""),),
    "Delegation": (("团长", "Head of Delegation", ""),),
}
#: the classes whose staff come from China even when the organisation is abroad
CHINESE_STAFF = ("CulturalCentre", "DiplomaticMission")


# -- Turtle ------------------------------------------------------------------------------------

def lit(text: str, lang: str | None = None) -> str:
    body = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{body}@{lang}" if lang else body


def dlit(day: date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


def ylit(year: int) -> str:
    return f'"{year}"^^xsd:gYear'


def slugify(text: str) -> str:
    text = text.replace("ã", "a").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def fgid(kind: str, slug: str) -> str:
    return f"fgid:{kind}\\/{slug}"


def compact(iri: str) -> str:
    """A seed IRI as this module writes IRIs (prefixed, with / escaped)."""
    if iri.startswith(ID):
        kind, _, slug = iri[len(ID):].partition("/")
        return fgid(kind, slug)
    if iri.startswith(FG):
        return "fg:" + iri[len(FG):]
    return f"<{iri}>"


class Graph:
    """The statements of one named graph, by subject, each (subject, predicate, object) once."""

    def __init__(self):
        self.nodes: dict[str, dict[str, dict[str, None]]] = {}
        self.count = 0

    def add(self, s: str, p: str, *objects: str) -> None:
        node = self.nodes.get(s)
        if node is None:
            node = self.nodes[s] = {}
        values = node.get(p)
        if values is None:
            values = node[p] = {}
        for o in objects:
            if o not in values:
                values[o] = None
                self.count += 1

    def turtle(self, name: str) -> str:
        out = [f"GRAPH {name} {{\n"]
        for s, node in self.nodes.items():
            body = " ;\n        ".join(f"{p} {', '.join(values)}" for p, values in node.items())
            out.append(f"\n    {s} {body} .\n")
        out.append("}\n")
        return "".join(out)


# -- entities ----------------------------------------------------------------------------------

class E:
    """An entity of the world: its IRI as written, class, names, and what sections need of it."""

    __slots__ = ("iri", "cls", "zh", "en", "ru", "home", "posts", "kind", "director", "year", "coproduced",
                 "people", "start", "end", "culture")

    def __init__(self, iri: str, cls: str, zh: str, en: str, ru: str = "", home: "E | None" = None):
        self.iri, self.cls, self.zh, self.en, self.ru, self.home = iri, cls, zh, en, ru, home
        self.posts: list = []
        self.people: list = []
        self.kind = self.director = self.year = self.start = self.end = None
        self.coproduced = False
        self.culture = ""

    @property
    def country(self) -> "E":
        if self.cls == "Country" or self.home is None:
            return self
        return self.home if self.home.cls == "Country" else self.home.home


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class World:
    """Every entity made so far, the current source's graph, and how to make or reuse entities."""

    def __init__(self, rng: random.Random, seed_graph: Path, ontology: Path):
        self.rng = rng
        self.g = Graph()
        self.lang = "zh"
        self.internal = False
        self.serial = 0
        self.countries: dict[str, E] = {}
        self.cities: dict[str, E] = {}
        self.regions: list[E] = []
        self.orgs: dict[tuple, E] = {}
        self.by_class: dict[str, list[E]] = defaultdict(list)
        self.people: list[E] = []
        self.directors: list[E] = []
        self.films: list[E] = []
        self.titles: dict[str, int] = {}
        self.programmes: dict[str, E] = {}
        self.frameworks: list[E] = []
        self.themed: dict[tuple, E] = {}
        self.recurring: dict[tuple, E] = {}
        self.editions: dict[tuple, E] = {}
        self.counts: dict[str, int] = defaultdict(int)
        #: every IRI in use (so a new entity never takes a curated one's) and the curated entities
        #: by (class, Chinese name), so that a synthetic source speaks of them rather than copy them
        self.iris: set[str] = set()
        self.seed_named: dict[tuple[str, str], E] = {}
        self.org_classes = self._org_classes(ontology)
        self._seed(seed_graph)

    # -- reading the seed: the ontology's organisation classes and the curated graph's entities

    @staticmethod
    def _org_classes(ontology: Path) -> list[str]:
        import pyoxigraph as ox

        found = sorted(q.subject.value[len(FG):] for q in ox.parse(path=str(ontology), format=ox.RdfFormat.TURTLE)
                       if q.predicate.value == SUBCLASS and q.object.value == FG + "Organization"
                       and q.subject.value.startswith(FG))
        missing = [c for c in found if c not in ORG_NAMES]
        if missing:
            raise SystemExit(f"synth.py: no naming templates for the organisation classes {missing} of the "
                             "ontology — add them to ORG_NAMES and POSTS")
        return found

    def _seed(self, folder: Path) -> None:
        import pyoxigraph as ox

        facts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for path in sorted(folder.glob("*.trig")):
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
                if isinstance(q.subject, ox.NamedNode):
                    facts[q.subject.value][q.predicate.value].append(q.object)

        def names(iri):
            labels = {o.language: o.value for o in facts[iri][RDFS_LABEL] if getattr(o, "language", None)}
            return labels.get("zh", ""), labels.get("en", ""), labels.get("ru", "")

        def cls(iri):
            types = [o.value[len(FG):] for o in facts[iri][RDF_TYPE] if o.value.startswith(FG)]
            return types[0] if types else None

        self.iris = {compact(iri) for iri in facts}
        for iri in sorted(facts):
            kind = cls(iri)
            if kind and kind not in ("Country", "City", "Region"):
                self.seed_named.setdefault((kind, names(iri)[0]), E(compact(iri), kind, *names(iri)))
            if kind == "Country":
                self.countries[iri[len(ID) + len("country/"):]] = E(compact(iri), kind, *names(iri))
        for iri in sorted(facts):
            kind = cls(iri)
            where = [o.value for o in facts[iri][FG + "containedInPlace"] + facts[iri][FG + "basedIn"]]
            if kind == "City":
                country = next(self.countries[w.rsplit("/", 1)[1]] for w in where if "/country/" in w)
                self.cities[iri.rsplit("/", 1)[1]] = E(compact(iri), kind, *names(iri), home=country)
            elif kind == "Region":
                self.regions.append(E(compact(iri), kind, *names(iri)))
        for iri in sorted(facts):
            kind = cls(iri)
            where = [o.value for o in facts[iri][FG + "basedIn"]]
            if kind in ORG_NAMES:
                home = None
                for w in where:
                    slug = w.rsplit("/", 1)[1]
                    home = self.cities.get(slug) if "/city/" in w else self.countries.get(slug)
                if home is None:
                    continue
                org = E(compact(iri), kind, *names(iri), home=home)
                self.orgs[("seed", iri)] = org
                self.by_class[kind].append(org)
            elif kind == "Film":
                film = E(compact(iri), kind, *names(iri))
                film.coproduced = any(q for q in facts if FG + "CoProduction" in [o.value for o in facts[q][RDF_TYPE]]
                                      and any(o.value == iri for o in facts[q][FG + "film"]))
                film.kind = next((k for k in KINDS if any(o.value == FG + k[0][3:] for o in facts[iri][FG + "filmKind"])), KINDS[0])
                self.films.append(film)
                self.titles[film.zh] = 1
            elif kind == "PolicyFramework":
                self.frameworks.append(E(compact(iri), kind, *names(iri)))
        orgs = {o.iri: o for o in self.orgs.values()}
        people = {}
        for iri in sorted(facts):
            if cls(iri) == "Person":
                person = E(compact(iri), "Person", *names(iri))
                person.culture = "cn" if re.fullmatch(r"[\u4e00-\u9fff]{2,3}", person.zh) else "intl"
                people[iri] = person
                self.people.append(person)
        for iri in sorted(facts):
            if cls(iri) == "Membership":
                member = facts[iri][FG + "member"][0].value
                org = orgs.get(compact(facts[iri][FG + "organization"][0].value))
                titles = {o.language: o.value for o in facts[iri][FG + "jobTitle"]}
                if member in people and org is not None and "zh" in titles and "en" in titles:
                    people[member].posts.append((compact(iri), org, titles["zh"], titles["en"]))
                    org.people.append(people[member])
        for iri in sorted(facts):
            for o in facts[iri][FG + "director"]:
                if o.value in people and people[o.value] not in self.directors:
                    self.directors.append(people[o.value])

    # -- the reference data added to the seed's

    def reference_block(self) -> Graph:
        g = Graph()
        for slug, zh, en, ru, q in COUNTRIES:
            if slug in self.countries:
                continue
            c = self.countries[slug] = E(fgid("country", slug), "Country", zh, en, ru)
            g.add(c.iri, "a", "fg:Country")
            g.add(c.iri, "rdfs:label", lit(zh, "zh"), lit(en, "en"), lit(ru, "ru"))
            g.add(c.iri, "fg:wikidata", f"<http://www.wikidata.org/entity/{q}>")
        for slug, zh, en, ru, country, lat, lon in CITIES:
            if slug in self.cities:
                continue
            c = self.cities[slug] = E(fgid("city", slug), "City", zh, en, ru, home=self.countries[country])
            g.add(c.iri, "a", "fg:City")
            g.add(c.iri, "rdfs:label", lit(zh, "zh"), lit(en, "en"), lit(ru, "ru"))
            g.add(c.iri, "fg:containedInPlace", c.home.iri)
            g.add(c.iri, "fg:latitude", f"{lat:.4f}")
            g.add(c.iri, "fg:longitude", f"{lon:.4f}")
        for slug, zh, en, ru in REGIONS:
            r = E(fgid("region", slug), "Region", zh, en, ru)
            self.regions.append(r)
            g.add(r.iri, "a", "fg:Region")
            g.add(r.iri, "rdfs:label", lit(zh, "zh"), lit(en, "en"), lit(ru, "ru"))
        self.city_list = [self.cities[k] for k in sorted(self.cities)]
        self.chinese_cities = [c for c in self.city_list if c.country.iri == fgid("country", "china")]
        return g

    # -- helpers

    def next(self) -> int:
        self.serial += 1
        return self.serial

    def make_iri(self, kind: str, slug: str) -> str:
        """``fgid:kind/slug``, with ``-2``, ``-3``… added when that IRI is taken."""
        iri, n = fgid(kind, slug), 1
        while iri in self.iris:
            n += 1
            iri = fgid(kind, f"{slug}-{n}")
        self.iris.add(iri)
        return iri

    def curated(self, cls: str, zh: str) -> E | None:
        """The curated entity of ``cls`` named ``zh``, if there is one."""
        return self.seed_named.get((cls, zh))

    def popular(self, pool: list):
        """An element of ``pool``, the earlier (older, better known) ones more often."""
        return pool[int(len(pool) * self.rng.random() ** 2)]

    def label(self, e: E, *, translated: bool = True) -> None:
        g = self.g
        g.add(e.iri, "rdfs:label", lit(e.zh, "zh"), lit(e.en, "en"))
        if e.ru:
            g.add(e.iri, "rdfs:label", lit(e.ru, "ru"))
        if translated:
            g.add(e.iri, "fg:curatorTranslation", lit(e.en, "en"))

    def new(self, e: E) -> E:
        self.counts[e.cls] += 1
        self.g.add(e.iri, "a", "fg:" + e.cls)
        return e

    # -- organisations

    def org(self, cls: str, city: E, *, template: int | None = None) -> E:
        """The organisation of ``cls`` named after ``city`` (or its country), made if new. In an
        internal source nothing shared is made: an existing one of the class is taken instead."""
        templates = [t for t in ORG_NAMES[cls] if self._fits(t[0], city)]
        if not templates:  # e.g. a consulate of China in a Chinese city: take a city abroad
            city = self.rng.choice([c for c in self.city_list if c.country.iri != fgid("country", "china")])
            templates = [t for t in ORG_NAMES[cls] if self._fits(t[0], city)]
        scope, zh, en = templates[template % len(templates) if template is not None else self.rng.randrange(len(templates))]
        words = CINEMA_WORDS if scope == "cinema" else WORDS
        w = self.rng.choice(words) if scope in ("word", "cinema") else ("", "")
        place = city.country if scope.startswith("country") else city
        key = (cls, zh, place.iri, w[0])
        org = self.orgs.get(key)
        if org is not None:
            return org
        if self.internal and self.by_class[cls]:
            return self.popular(self.by_class[cls])
        country = city.country
        name_zh = zh.format(c=city.zh, n=country.zh, w=w[0])
        name_en = en.format(C=city.en, N=country.en, W=w[1])
        seed = self.curated(cls, name_zh)
        if seed is not None:
            seed.home = place
            self.orgs[key] = seed
            self.by_class[cls].append(seed)
            return seed
        org = E(self.make_iri("venue" if cls == "Cinema" else "org", slugify(name_en)), cls, name_zh, name_en, home=place)
        self.orgs[key] = org
        self.by_class[cls].append(org)
        self.new(org)
        self.label(org)
        self.g.add(org.iri, "fg:basedIn", place.iri)
        if cls == "Cinema":
            self.g.add(org.iri, "fg:containedInPlace", place.iri)
        return org

    def fits(self, cls: str, city: E) -> bool:
        """Whether an organisation of ``cls`` can be named after ``city``."""
        return any(self._fits(t[0], city) for t in ORG_NAMES[cls])

    @staticmethod
    def _fits(scope: str, city: E) -> bool:
        china = city.country.iri == fgid("country", "china")
        return not ((scope.endswith("-cn") and not china) or (scope.endswith("-foreign") and china))

    # -- people

    def _name(self, culture: str) -> tuple[str, str, str]:
        rng = self.rng
        if culture == "cn":
            s = rng.choice(CN_SURNAMES)
            given = [rng.choice(CN_GIVEN) for _ in range(rng.choice((1, 2, 2)))]
            return s[0] + "".join(g[0] for g in given), f"{s[1]} {''.join(g[1] for g in given).capitalize()}", ""
        if culture in ("ru", "ca"):
            first = rng.choice(RU_FIRST if culture == "ru" else CA_FIRST)
            last = rng.choice(RU_LAST if culture == "ru" else CA_LAST)
            en_last, ru_last, zh_last = last
            if first[3] and en_last.endswith(("ov", "ev")):
                en_last, ru_last, zh_last = en_last + "a", ru_last + "а", zh_last[:-1] + "娃"
            return f"{first[2]}·{zh_last}", f"{first[0]} {en_last}", f"{first[1]} {ru_last}"
        first, last = rng.choice(INTL_FIRST), rng.choice(INTL_LAST)
        return f"{first[1]}·{last[1]}", f"{first[0]} {last[0]}", ""

    def person(self, culture: str) -> E:
        zh, en, ru = self._name(culture)
        p = E(self.make_iri("person", f"{slugify(en)}-{self.next()}"), "Person", zh, en, ru)
        p.culture = culture
        self.new(p)
        self.label(p, translated=culture == "cn")
        self.people.append(p)
        return p

    def post(self, org: E, *, new_person: float = 0.5) -> tuple[E, tuple]:
        """Someone holding a post at ``org`` (``(person, (membership, org, title_zh, title_en))``):
        one already known there, or a new person with a new post."""
        if org.people and (self.internal or self.rng.random() > new_person):
            person = self.rng.choice(org.people)
            return person, next(p for p in person.posts if p[1] is org)
        if self.internal:
            holders = [p for p in self.people[:2000] if p.posts]
            person = self.rng.choice(holders)
            return person, person.posts[0]
        culture = "cn" if org.cls in CHINESE_STAFF else CULTURE.get(slug_of(org.country), "intl")
        if org.people and self.rng.random() < 0.1:
            culture = "intl"
        person = self.person(culture)
        zh, en, role = self.rng.choice(POSTS[org.cls])
        membership = self.make_iri("membership", f"{slug_of(person)}-{slugify(en)}")
        self.counts["Membership"] += 1
        g = self.g
        g.add(membership, "a", "fg:Membership")
        g.add(membership, "rdfs:label", lit(f"{person.zh},{org.zh}{zh}", "zh"), lit(f"{person.en}, {en} of the {org.en}", "en"))
        g.add(membership, "fg:curatorTranslation", lit(f"{person.en}, {en} of the {org.en}", "en"))
        g.add(membership, "fg:member", person.iri)
        g.add(membership, "fg:organization", org.iri)
        if role:
            g.add(membership, "fg:role", role)
        g.add(membership, "fg:jobTitle", lit(zh, "zh"), lit(en, "en"))
        entry = (membership, org, zh, en)
        person.posts.append(entry)
        org.people.append(person)
        return person, entry

    # -- films

    def film(self, country: E, *, new: float = 0.5) -> tuple[E, list]:
        """A film (new, or a known one, the popular ones more often) and the sentences that
        introduce a new one: ``[(text_zh, text_en, entities)]``."""
        if self.internal or self.rng.random() > new:
            return self.popular(self.films), []
        rng = self.rng
        pattern = rng.random()
        if pattern < 0.4:
            a, n = rng.choice(TITLE_ADJ), rng.choice(TITLE_NOUN)
            zh, en = a[0] + n[0], f"The {a[1]} {n[1]}"
        elif pattern < 0.7:
            c, n = rng.choice(self.city_list), rng.choice(TITLE_NOUN)
            zh, en = f"{c.zh}的{n[0]}", f"{n[1]} of {c.en}"
        else:
            n1, n2 = rng.sample(TITLE_NOUN, 2)
            zh, en = n1[0] + n2[0], f"{n2[1]} of the {n1[1]}"
        used = self.titles.get(zh, 0)
        self.titles[zh] = used + 1
        if used:
            zh, en = f"{zh}{used + 1}", f"{en} {used + 1}"
        f = E(self.make_iri("film", f"{slugify(en)}-{self.next()}"), "Film", zh, en)
        f.kind = rng.choice(KINDS[:1] * 7 + KINDS[1:2] * 2 + KINDS[2:])
        self.new(f)
        self.label(f)
        g = self.g
        g.add(f.iri, "fg:filmKind", f.kind[0])
        if f.kind is KINDS[0] and rng.random() < 0.3:
            g.add(f.iri, "fg:genre", rng.choice(GENRES))
        self.films.append(f)
        intro = []
        if rng.random() < 0.85:
            if self.directors and rng.random() < 0.3:
                director = self.popular(self.directors)
            else:
                director = self.person(CULTURE.get(slug_of(country), "intl"))
                g.add(director.iri, "fg:description", lit("Film director.", "en"))
                self.directors.append(director)
            f.director = director
            g.add(f.iri, "fg:director", director.iri)
            intro.append((f"《{f.zh}》由{director.zh}执导,是一部{f.kind[1]}。",
                          f"“{f.en}” is {f.kind[3]} {f.kind[2]} directed by {director.en}.", (f, director)))
        else:
            intro.append((f"《{f.zh}》是一部{f.kind[1]}。", f"“{f.en}” is {f.kind[3]} {f.kind[2]}.", (f,)))
        return f, intro


def slug_of(e: E) -> str:
    return e.iri.rsplit("/", 1)[1]


# -- one source document -----------------------------------------------------------------------

class Article:
    """One synthetic source document: its text and its named graph."""

    def __init__(self, world: World, number: int, seed: int, budget: int):
        self.w, self.rng = world, world.rng
        self.id = f"{number:03d}_{hashlib.sha256(f'{seed}-{number}'.encode()).hexdigest()[:16]}"
        self.iri = f"fgsrc:{self.id}"
        self.lang = "zh" if self.rng.random() < 0.75 else "en"
        self.budget = budget
        self.paragraphs: list[list[str]] = [[]]
        self.later = None
        world.g = self.g = Graph()
        world.lang = self.lang
        world.internal = number % INTERNAL_EVERY == 0

    # -- text

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def n(self, e: E) -> str:
        return e.zh if self.lang == "zh" else e.en

    def title(self, f: E) -> str:
        return f"《{f.zh}》" if self.lang == "zh" else f"“{f.en}”"

    def names(self, items: list, render=None) -> str:
        render = render or self.n
        parts = [render(e) for e in items]
        if self.lang == "zh":
            return "、".join(parts)
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def day(self, d: date, year: bool = False) -> str:
        if self.lang == "zh":
            return f"{d.year}年{d.month}月{d.day}日" if year else f"{d.month}月{d.day}日"
        return f"{d.day} {MONTHS[d.month - 1]}" + (f" {d.year}" if year else "")

    def say(self, zh: str, en: str, *entities) -> str:
        """Add a sentence to the text; it is the evidence of each of ``entities`` (objects with an
        ``iri``, or IRIs)."""
        text = zh if self.lang == "zh" else en
        self.paragraphs[-1].append(text)
        quote = lit(text, self.lang)
        for e in entities:
            self.g.add(e if isinstance(e, str) else e.iri, "fg:evidence", quote)
        return text

    def paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def intro(self, sentences: list) -> None:
        for zh, en, entities in sentences:
            self.say(zh, en, *entities)

    def post_phrase(self, person: E, post: tuple) -> str:
        _membership, org, zh, en = post
        return self.t(f"{org.zh}{zh}{person.zh}", f"{person.en}, {en} of the {org.en}")

    def inferred(self, node: str, en: str, zh: str) -> None:
        self.g.add(node, "fg:inferred", "true")
        self.g.add(node, "fg:inferenceNote", lit(en, "en"), lit(zh, "zh"))

    def node(self, kind: str, cls: str, zh: str, en: str) -> str:
        iri = self.w.make_iri(kind, f"{slugify(en)[:60].strip('-')}-{self.w.next()}")
        self.w.counts[cls] += 1
        self.g.add(iri, "a", "fg:" + cls)
        self.g.add(iri, "rdfs:label", lit(zh, "zh"), lit(en, "en"))
        self.g.add(iri, "fg:curatorTranslation", lit(en, "en"))
        return iri

    def event(self, cls: str, zh: str, en: str, start: date | None, end: date | None, places: list) -> str:
        iri = self.node("event", cls, zh, en)
        if start is not None:
            self.g.add(iri, "fg:startDate", dlit(start))
            self.g.add(iri, "fg:endDate", dlit(end or start))
        if places:
            self.g.add(iri, "fg:location", *(p.iri for p in places))
        return iri

    def span(self, first: date, last: date) -> tuple[str, str]:
        """``first`` to ``last`` in Chinese and English, one day said once."""
        if first == last:
            return f"{first.month}月{first.day}日", f"on {first.day} {MONTHS[first.month - 1]}"
        return (f"{first.month}月{first.day}日至{last.month}月{last.day}日",
                f"from {first.day} {MONTHS[first.month - 1]} to {last.day} {MONTHS[last.month - 1]}")

    def within(self) -> date:
        span = (self.end - self.start).days
        return self.start + timedelta(days=self.rng.randint(0, span))

    # -- the whole article

    def write(self) -> tuple[str, str]:
        """Generate the article; returns (TriG text, source text)."""
        w, rng = self.w, self.rng
        self.start = date(2012, 1, 1) + timedelta(days=rng.randrange(5000))
        kind = rng.choices(("visit", "festival", "forum", "market"), (5, 2, 2, 1))[0]
        if kind == "visit":
            self.home = rng.choice(w.chinese_cities) if rng.random() < 0.75 else rng.choice(w.city_list)
            hosts = [c for c in w.city_list if c.country is not self.home.country]
            self.cities = rng.sample(hosts, rng.choice((1, 2, 2, 3)))
            self.end = self.start + timedelta(days=rng.randint(4, 8))
        else:
            self.cities = [rng.choice(w.chinese_cities) if rng.random() < 0.4 else rng.choice(w.city_list)]
            visitors = [c for c in w.city_list if c.country is not self.cities[0].country]
            self.home = rng.choice(visitors)
            self.end = self.start + timedelta(days={"festival": 8, "forum": 2, "market": 3}[kind])
        self.host = self.cities[0].country
        publisher_city = rng.choice(w.chinese_cities) if self.lang == "zh" else rng.choice(w.city_list)
        if kind != "visit":  # a report on an edition already reported keeps its dates
            cls = {"festival": "FilmFestival", "forum": "Forum", "market": "TradeFair"}[kind]
            found = w.editions.get((cls, self.cities[0].iri, self.start.year))
            if found is not None:
                self.start, self.end = found.start, found.end
        self.publisher = w.org("MediaOrganization", publisher_city)
        self.issued = self.end + timedelta(days=rng.randint(1, 10))
        self.delegation = self._delegation()
        slogan = rng.choice(SLOGANS)
        headline = getattr(self, f"_main_{kind}")(slogan)
        self.paragraph()
        while self.g.count < self.budget:
            section = rng.choices(SECTIONS, WEIGHTS)[0]
            section(self)
            self.paragraph()
        text = "\n\n".join("".join(p) if self.lang == "zh" else " ".join(p) for p in self.paragraphs if p) + "\n"
        self._document(headline, text)
        return self.g.turtle(self.iri), text

    @property
    def authority(self) -> E:
        """The film authority of the delegation's home city (made on first use: whoever uses it
        names it in a sentence)."""
        return self.w.org("GovernmentFilmAuthority", self.home, template=0)

    def _delegation(self) -> E:
        w = self.w
        zh = f"{self.home.zh}电影代表团({self.start.year}年{self.start.month}月)"
        en = f"{self.home.en} film delegation ({MONTHS[self.start.month - 1]} {self.start.year})"
        key = ("Delegation", zh, self.home.iri, "")
        found = w.orgs.get(key)
        if found is not None:
            return found
        if w.internal and w.by_class["Delegation"]:
            return w.popular(w.by_class["Delegation"])
        d = E(w.make_iri("org", slugify(en)), "Delegation", zh, en, home=self.home)
        w.orgs[key] = d
        w.by_class["Delegation"].append(d)
        w.new(d)
        w.label(d)
        self.g.add(d.iri, "fg:basedIn", self.home.iri)
        return d

    def _lead(self, headline_zh: str, headline_en: str) -> str:
        d = self.issued
        headline = self.t(headline_zh, headline_en)
        self.say(f"{self.publisher.zh}{d.year}年{d.month:02d}月{d.day:02d}日消息,{headline}。",
                 f"{self.publisher.en}, {d.day} {MONTHS[d.month - 1]} {d.year}: {headline}.",
                 self.iri, self.publisher)
        return headline

    def _main_visit(self, slogan) -> str:
        g = self.g
        headline = self._lead(f"{self.home.zh}电影亮相{self.names_zh(self.cities)},{slogan[0]}",
                              f"{self.home.en} films in {self.names_en(self.cities)}: {slogan[1]}")
        self.paragraph()
        self.main = self.event("DelegationVisit", f"{self.delegation.zh}赴{self.names_zh(self.cities)}交流访问",
                               f"Visit of the {self.delegation.en} to {self.names_en(self.cities)}",
                               self.start, self.end, self.cities)
        g.add(self.main, "fg:organizer", self.authority.iri)
        g.add(self.main, "fg:participant", self.delegation.iri)
        self.say(f"{self.day(self.start)}至{self.day(self.end)},由{self.authority.zh}组织的{self.delegation.zh}赴"
                 f"{'、'.join(c.zh if c.zh == c.country.zh else c.country.zh + c.zh for c in self.cities)}开展文化交流。",
                 f"From {self.day(self.start)} to {self.day(self.end, True)}, the {self.delegation.en}, organised by the "
                 f"{self.authority.en}, visited {self.names_en(self.cities)} for cultural exchange.",
                 self.main, self.authority, self.delegation, *self.cities)
        self._context()
        return headline

    def names_zh(self, items):
        return "、".join(e.zh for e in dict.fromkeys(items))

    def names_en(self, items):
        parts = [e.en for e in dict.fromkeys(items)]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def _edition(self, cls: str, zh: str, en: str) -> tuple[str, bool]:
        """The dated edition of a recurring event in the host city this year, shared by every source
        that reports it."""
        w, city = self.w, self.cities[0]
        key = (cls, city.iri, self.start.year)
        found = w.editions.get(key)
        if found is not None:
            self.start, self.end = found.start, found.end
            return found.iri, False
        iri = self.event(cls, zh, en, self.start, self.end, [city])
        organizer = w.org("GovernmentFilmAuthority", city, template=0)
        self.g.add(iri, "fg:organizer", organizer.iri)
        self.later = (f"{zh}由{organizer.zh}主办。", f"The {en} is organised by the {organizer.en}.", (iri, organizer))
        if not w.internal:
            e = E(iri, cls, zh, en)
            e.start, e.end = self.start, self.end
            w.editions[key] = e
        return iri, True

    def _recurring_number(self, cls: str) -> int:
        key = (cls, self.cities[0].iri)
        first = self.w.recurring.setdefault(key, E("", cls, "", ""))
        if not first.year:
            first.year = self.start.year - self.rng.randint(0, 20)
        return self.start.year - first.year + 1

    def _main_festival(self, slogan) -> str:
        city = self.cities[0]
        n = self._recurring_number("FilmFestival")
        zh, en = f"第{n}届{city.zh}国际电影节", f"{ordinal(n)} {city.en} International Film Festival"
        return self._main_edition(
            "FilmFestival", zh, en, (f"{zh}开幕,{slogan[0]}", f"The {en} opens: {slogan[1]}"),
            (f"{self.day(self.start)}至{self.day(self.end)},{zh}在{city.zh}举行,{self.delegation.zh}应邀参加。",
             f"The {en} was held in {city.en} from {self.day(self.start)} to {self.day(self.end, True)}; "
             f"the {self.delegation.en} took part."), city)

    def _main_forum(self, slogan) -> str:
        city = self.cities[0]
        zh, en = f"{self.start.year}{city.zh}国际电影合作论坛", f"{city.en} International Film Cooperation Forum {self.start.year}"
        return self._main_edition(
            "Forum", zh, en, (f"{zh}举行,{slogan[0]}", f"{en} held: {slogan[1]}"),
            (f"{self.day(self.start)},{zh}在{city.zh}开幕,来自{self.home.zh}的{self.delegation.zh}出席。",
             f"The {en} opened in {city.en} on {self.day(self.start, True)}, attended by the {self.delegation.en}."),
            city)

    def _main_market(self, slogan) -> str:
        city = self.cities[0]
        zh, en = f"{self.start.year}{city.zh}国际影视交易会", f"{city.en} International Film and TV Market {self.start.year}"
        return self._main_edition(
            "TradeFair", zh, en, (f"{zh}落幕,{slogan[0]}", f"{en} closes: {slogan[1]}"),
            (f"{self.day(self.start)}至{self.day(self.end)},{self.delegation.zh}参加{zh}。",
             f"From {self.day(self.start)} to {self.day(self.end, True)} the {self.delegation.en} attended the {en}."))

    def _main_edition(self, kind: str, zh: str, en: str, headline: tuple, sentence: tuple, *places) -> str:
        """The source's lead (``headline``: zh, en), then its main event, an edition of a recurring
        ``kind`` named ``zh``/``en``, which the delegation attends, told by ``sentence`` (zh, en;
        the evidence of the event, the delegation and ``places``), then its context. Returns the
        headline."""
        headline = self._lead(*headline)
        self.paragraph()
        self.main, _new = self._edition(kind, zh, en)
        self.g.add(self.main, "fg:participant", self.delegation.iri)
        self.say(*sentence, self.main, self.delegation, *places)
        self._context()
        return headline

    def _context(self) -> None:
        """Themed year, policy framework and programme the main event belongs to or is set in."""
        w, g, rng = self.w, self.g, self.rng
        if self.later:
            self.intro([self.later])
        china = w.countries["china"]
        other = self.host if self.home.country is china else self.home.country
        if (self.host is china) != (self.home.country is china) and rng.random() < 0.5:
            key = (other.iri, self.start.year)
            themed = w.themed.get(key)
            zh, en = f"中国—{other.zh}文化年({self.start.year})", f"China–{other.en} Year of Culture ({self.start.year})"
            if themed is None and not w.internal:
                themed = w.themed[key] = E(w.make_iri("programme", f"china-{slug_of(other)}-year-of-culture-{self.start.year}"),
                                           "ThemedYear", zh, en)
                w.new(themed)
                w.label(themed)
            if themed is not None:
                self.say(f"今年恰逢{themed.zh},此行是双方人文交流的又一实践。",
                         f"This year is the {themed.en}, and the visit is another step in the exchange between the two sides.",
                         self.main, themed)
                g.add(self.main, "fg:inContextOf", themed.iri)
        known = {f.iri for f in w.frameworks}
        pending = [f for f in FRAMEWORKS if fgid("programme", f[0]) not in known]
        if rng.random() < 0.4 and (w.frameworks or (pending and not w.internal)):
            if pending and not w.internal and (not w.frameworks or rng.random() < 0.5):
                slug, zh, en = pending[0]
                fw = E(w.make_iri("programme", slug), "PolicyFramework", zh, en)
                w.frameworks.append(fw)
                w.new(fw)
                w.label(fw)
            else:
                fw = rng.choice(w.frameworks)
            self.say(f"此行呼应{fw.zh}下人文合作的纵深推进。",
                     f"The visit answers the deepening of people-to-people cooperation under the {fw.en}.",
                     self.main, fw)
            g.add(self.main, "fg:inContextOf", fw.iri)
        if rng.random() < 0.6:
            key = self.home.iri
            prog = w.programmes.get(key)
            zh = f"{self.home.zh}电影“走出去”海外推介活动"
            if prog is None and w.curated("Programme", zh):
                prog = w.programmes[key] = w.curated("Programme", zh)
            if prog is None and not w.internal:
                en = f"{self.home.en} Film \"Going Global\" overseas promotion programme"
                prog = w.programmes[key] = E(w.make_iri("programme", f"{slug_of(self.home)}-film-going-global"), "Programme", zh, en)
                prog.year = min(self.start.year, 2008 + rng.randrange(10))
                w.new(prog)
                w.label(prog)
                g.add(prog.iri, "fg:startYear", ylit(prog.year))
                g.add(prog.iri, "fg:organizer", self.authority.iri)  # named in the sentence below
                covered = rng.sample(w.city_list, 2)
                g.add(prog.iri, "fg:coveredPlace", *(c.iri for c in covered))
                authority = self.authority
                self.say(f"自{prog.year}年由{authority.zh}发起以来,{prog.zh}已覆盖{covered[0].zh}、{covered[1].zh}等多个城市。",
                         f"Since the {authority.en} began it in {prog.year}, the {prog.en} has covered several cities, "
                         f"among them {covered[0].en} and {covered[1].en}.", prog, authority)
            if prog is not None:
                self.say(f"本次活动标志着{prog.zh}迈向新的阶段。",
                         f"The organisers see this as a new stage of the {prog.en}.", prog, self.main)
                g.add(self.main, "fg:partOfProgramme", prog.iri)
                self.inferred(self.main,
                              f"Inferred from context: the article presents the {prog.en} and this event in the same "
                              "passage but does not say that the event is part of the programme.",
                              f"根据上下文推断:文章在同一段落中介绍{prog.zh}与本次活动,但未明言本次活动属于该活动。")

    def _document(self, headline: str, text: str) -> None:
        g, iri = self.g, self.iri
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        evidence = g.nodes.pop(iri)
        g.nodes = {iri: {}, **g.nodes}  # the document's own block first, as in the curated files
        g.add(iri, "a", "fg:SourceDocument")
        if self.lang == "zh":
            g.add(iri, "rdfs:label", lit(headline, "zh"))
        else:
            g.add(iri, "rdfs:label", lit(headline, "en"))
        g.add(iri, "dcterms:title", lit(headline, self.lang))
        g.add(iri, "dcterms:publisher", self.publisher.iri)
        g.add(iri, "dcterms:issued", dlit(self.issued))
        g.add(iri, "dcterms:language", lit(self.lang))
        g.add(iri, "fg:textFile", lit(f"sources/{self.id}.txt"))
        g.add(iri, "fg:sourceSha256", lit(digest))
        if self.w.internal:
            g.add(iri, "fg:internal", "true")
        g.nodes[iri].update(evidence)


# -- sections: each adds a paragraph and its nodes to the article -------------------------------

def _city(a: Article) -> E:
    return a.rng.choice(a.cities)


def promotion(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = _city(a)
    cinema = w.org("Cinema", city)
    day = a.within()
    morning = rng.random() < 0.5
    zh, en = f"{a.home.zh}电影推介会({city.zh})", f"{a.home.en} Film Promotion ({city.en})"
    ev = a.event("PromotionEvent", zh, en, day, day, [cinema, city])
    g.add(ev, "fg:timeOfDay", "fg:Morning" if morning else "fg:Afternoon")
    g.add(ev, "fg:participant", a.delegation.iri)
    g.add(ev, "fg:targetAudience", city.country.iri)
    g.add(a.main, "fg:subEvent", ev)
    a.say(f"{a.day(day)}{'上午' if morning else '下午'},“{zh}”在{cinema.zh}举行,面向{city.country.zh}电影人展示{a.home.zh}影视产业实力。",
          f"On the {'morning' if morning else 'afternoon'} of {a.day(day)}, the {en} was held at the {cinema.en}, "
          f"showing the strength of {a.home.en}'s film industry to film professionals from {city.country.en}.",
          ev, cinema)
    films, intros = [], []
    for _ in range(rng.randint(3, 6)):
        f, intro = w.film(a.home.country)
        if f not in films:
            films.append(f)
            intros += intro
    companies, total = rng.randint(10, 60), len(films) + rng.randint(0, 10)
    g.add(ev, "fg:promotedFilm", *(f.iri for f in films))
    g.add(ev, "fg:numberOfCompaniesPromoted", str(companies))
    g.add(ev, "fg:numberOfFilmsPromoted", str(total))
    a.say(f"代表团重点推介{companies}家电影企业及{''.join(a.title(f) for f in films)}等{total}部影片。",
          f"The delegation promoted {companies} film companies and {total} films, among them "
          f"{a.names(films, a.title)}.", ev, *films)
    a.intro(intros)
    directed = [f for f in films if f.director is not None]
    if directed and rng.random() < 0.7:
        f = rng.choice(directed)
        role = a.node("role", "EventRole", f"{f.director.zh}在{zh}上推介《{f.zh}》",
                      f"{f.director.en} presents {f.en} at the {en}")
        g.add(role, "fg:agent", f.director.iri)
        g.add(role, "fg:inEvent", ev)
        g.add(role, "fg:eventRole", "fg:Presenter")
        g.add(role, "fg:presentedWork", f.iri)
        a.say(f"导演{f.director.zh}携{a.title(f)}亮相推介,获得当地片商高度关注。",
              f"Director {f.director.en} presented {a.title(f)}, which drew close attention from local distributors.",
              role, f.director, f)
        if rng.random() < 0.5:
            a.inferred(role, f"That this presentation took place at the {en} is inferred: the article reports it "
                             "in its account of the promotion without naming the event.",
                       f"此次推介发生在{zh}上为推断:文章在记述推介会的段落中报道此事,但未点明活动名称。")
    if rng.random() < 0.6:
        statement(a, ev, zh, en)


def statement(a: Article, ev: str | None = None, ev_zh: str = "", ev_en: str = "") -> None:
    w, g, rng = a.w, a.g, a.rng
    if ev is None:
        ev, ev_zh, ev_en = a.main, "本次活动", "this event"
    where = rng.choice([a.home] + a.cities)
    org = w.org(rng.choice([c for c in ("PublicFilmInstitution", "GovernmentFilmAuthority", "CulturalCentre", "FilmStudio")
                            if w.fits(c, where)]), where)
    person, post = w.post(org)
    city = _city(a)
    quote_zh, quote_en = rng.choice(QUOTES)
    quote = a.t(quote_zh.format(n=city.country.zh, c=city.zh), quote_en.format(N=city.country.en, C=city.en))
    st = a.node("statement", "Statement", f"{person.zh}的表态({ev_zh})", f"Statement by {person.en} ({ev_en})")
    g.add(st, "fg:speaker", person.iri)
    g.add(st, "fg:speakerCapacity", post[0])
    g.add(st, "fg:statedAt", ev)
    g.add(st, "fg:quote", lit(quote, a.lang))
    a.say(f"{a.post_phrase(person, post)}表示:“{quote}”", f"{a.post_phrase(person, post)}, said: “{quote}”",
          st, person, post[0], post[1])
    if rng.random() < 0.5:
        a.inferred(st, "That the statement was made at this event is inferred: the article quotes it in its account "
                       "of the event without saying where it was made.",
                   "该表态发表于此次活动为推断:文章在记述该活动的段落中引用此话,但未写明讲话场合。")


def screening(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = _city(a)
    first = a.within()
    last = min(first + timedelta(days=rng.randint(0, 6)), a.end)
    cinema = w.org("Cinema", city) if rng.random() < 0.6 else None
    films, intros = [], []
    for _ in range(rng.randint(3, 8)):
        f, intro = w.film(a.home.country)
        if f not in films:
            films.append(f)
            intros += intro
    ev = a.event("Screening", f"{city.zh}展映({first.month}月{first.day}日至{last.month}月{last.day}日)",
                 f"Screenings in {city.en} ({first.day} {MONTHS[first.month - 1]} – {last.day} {MONTHS[last.month - 1]})",
                 first, last, [city] + ([cinema] if cinema else []))
    g.add(ev, "fg:screenedFilm", *(f.iri for f in films))
    g.add(a.main, "fg:subEvent", ev)
    at_zh = f"{city.zh}{cinema.zh if cinema else ''}"
    at_en = f"the {cinema.en}" if cinema else city.en
    when = a.span(first, last)
    a.say(f"{when[0]},{''.join(a.title(f) for f in films)}{len(films)}部影片在{at_zh}展映。",
          f"{when[1].capitalize()}, {len(films)} films — {a.names(films, a.title)} — were shown at {at_en}.",
          ev, *films, *([cinema] if cinema else []))
    a.intro(intros)
    if rng.random() < 0.6:
        f = rng.choice(films)
        a.say(f"在{city.zh},{a.title(f)}引发观众热烈讨论。", f"In {city.en}, {a.title(f)} started a lively discussion among the audience.",
              ev, f)


def symposium(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = _city(a)
    day = a.within()
    studio = w.org(rng.choice(("FilmStudio", "PublicFilmInstitution")), city)
    orgs = [w.org(rng.choice(("FilmStudio", "ProfessionalAssociation", "PublicFilmInstitution", "FilmCompany")), city)
            for _ in range(rng.randint(1, 3))]
    orgs = list(dict.fromkeys(o for o in orgs if o is not studio)) or [w.org("ProfessionalAssociation", city)]
    zh, en = f"{city.zh}电影合作交流座谈会", f"{city.en} Film Cooperation Symposium"
    ev = a.event("Symposium", zh, en, day, day, [city])
    g.add(ev, "fg:participant", a.delegation.iri, *(o.iri for o in orgs))
    g.add(ev, "fg:description", lit(f"Held at the {studio.en}.", "en"))
    g.add(a.main, "fg:subEvent", ev)
    topics = rng.sample(TOPICS, rng.randint(1, 3))
    g.add(ev, "fg:topic", *(t[0] for t in topics))
    a.say(f"{a.day(day)},{zh}在{studio.zh}举行,{a.names(orgs)}等机构代表出席。",
          f"On {a.day(day)} the {en} was held at the {studio.en}, attended by representatives of {a.names(orgs)}.",
          ev, studio, *orgs)
    a.say(f"双方围绕{'、'.join(t[1] for t in topics)}等议题展开务实讨论。",
          f"The two sides discussed {', '.join(t[2] for t in topics)}.", ev)
    if rng.random() < 0.7:
        person, post = w.post(rng.choice(orgs + [studio]))
        role = a.node("role", "EventRole", f"{person.zh}在{zh}上发言", f"{person.en} speaks at the {en}")
        g.add(role, "fg:agent", person.iri)
        g.add(role, "fg:inEvent", ev)
        g.add(role, "fg:eventRole", "fg:Speaker")
        a.say(f"座谈会上,{a.post_phrase(person, post)}介绍了{post[1].zh}的发展现状。",
              f"At the symposium, {a.post_phrase(person, post)}, presented the work of the {post[1].en}.",
              role, person, post[0], post[1])


def talks(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = _city(a)
    orgs = list(dict.fromkeys(
        w.org(rng.choice(("Broadcaster", "FilmCompany", "GovernmentFilmAuthority", "MediaOrganization")),
              rng.choice([c for c in w.city_list if c.country is city.country] or [city]))
        for _ in range(rng.randint(2, 5))))
    ev = a.event("ProfessionalTalks", f"{a.delegation.zh}与{orgs[0].zh}等机构专业会谈",
                 f"Professional talks of the {a.delegation.en} with the {orgs[0].en} and other bodies", None, None, [city])
    g.add(ev, "fg:participant", a.delegation.iri, *(o.iri for o in orgs))
    g.add(a.main, "fg:subEvent", ev)
    a.say(f"代表团还与{a.names(orgs)}等机构开展专业会谈。",
          f"The delegation also held professional talks with {a.names(orgs)}, among others.", ev, *orgs)
    a.inferred(ev, f"The location {city.en} is inferred: the talks are reported in the account of the delegation's "
                   "stay there, but the article does not name the place of the talks.",
               f"地点“{city.zh}”为推断:会谈记述于代表团在当地行程的段落中,但文章未写明会谈地点。")


def coproduction(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    f, intro = w.film(a.home.country, new=0.7)
    if f.coproduced or w.internal:
        return screening(a)
    f.coproduced = True
    countries = list(dict.fromkeys([a.home.country, a.host] + ([rng.choice(list(w.countries.values()))]
                                                               if rng.random() < 0.2 else [])))
    if len(countries) < 2:
        countries.append(next(c for c in w.countries.values() if c is not countries[0]))
    orgs = list(dict.fromkeys([w.org(rng.choice(("FilmCompany", "FilmStudio")), a.home),
                               w.org(rng.choice(("FilmCompany", "FilmStudio")), _city(a))]))
    first = rng.random() < 0.1
    c_zh, c_en = "与".join(c.zh for c in countries), "–".join(c.en for c in countries)
    node = w.make_iri("coproduction", slug_of(f))
    w.counts["CoProduction"] += 1
    g.add(node, "a", "fg:CoProduction")
    g.add(node, "rdfs:label", lit(f"《{f.zh}》{c_zh}合拍", "zh"), lit(f"{f.en}: {c_en} co-production", "en"))
    g.add(node, "fg:curatorTranslation", lit(f"{f.en}: {c_en} co-production", "en"))
    g.add(node, "fg:film", f.iri)
    g.add(node, "fg:partnerCountry", *(c.iri for c in countries))
    g.add(node, "fg:partnerOrganization", *(o.iri for o in orgs))
    qualifier = (f"{c_zh}首部合拍{f.kind[1]}" if first else f"{c_zh}合拍{f.kind[1]}",
                 f"the first {c_en} co-produced {f.kind[2]}" if first else f"{c_en} co-produced {f.kind[2]}")
    g.add(node, "fg:qualifier", lit(qualifier[0], "zh"), lit(qualifier[1], "en"))
    if first:
        g.add(node, "fg:firstOfItsKind", "true")
    a.say(f"{a.title(f)}作为{qualifier[0]},由{a.names(orgs)}联合出品。",
          f"{a.title(f)}, {qualifier[1]}, was produced jointly by {a.names(orgs)}.", node, f, *orgs)
    a.intro(intro)


def commemoration(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = next((c for c in a.cities if c.country.iri != fgid("country", "china")), None)
    if city is None or w.internal:
        return talks(a)
    years = rng.choice((50, 60, 70, 80, 90, 100, 110, 120, 125, 130, 150))
    person = w.person(rng.choice(("cn", CULTURE.get(slug_of(city.country), "intl"))))
    g.add(person.iri, "fg:description", lit(f"Composer, born in {a.start.year - years}.", "en"))
    mission = w.org("DiplomaticMission", city)
    noun = rng.choice(TITLE_NOUN)
    work = E(w.make_iri("work", f"{slugify(noun[1])}-suite-{w.next()}"), "MusicalWork", f"{noun[0]}组曲", f"{noun[1]} Suite")
    w.new(work)
    w.label(work)
    g.add(work.iri, "fg:composer", person.iri)
    ev = a.event("Commemoration", f"{person.zh}诞辰{years}周年纪念活动",
                 f"Commemoration of the {ordinal(years)} anniversary of {person.en}'s birth", None, None, [city])
    g.add(ev, "fg:commemorates", person.iri)
    g.add(ev, "fg:anniversary", str(years))
    g.add(ev, "fg:organizer", mission.iri)
    concert = a.event("Concert", f"{person.zh}诞辰{years}周年纪念音乐会", f"Memorial concert for {person.en}",
                      None, None, [city])
    show = a.event("Exhibition", f"{person.zh}诞辰{years}周年图片展", f"Photo exhibition on {person.en}", None, None, [city])
    for sub in (concert, show):
        g.add(sub, "fg:organizer", mission.iri)
    g.add(concert, "fg:presentedWork", work.iri)
    g.add(ev, "fg:subEvent", concert, show)
    a.say(f"今年正值{person.zh}诞辰{years}周年,{mission.zh}举办纪念音乐会、图片展等一系列活动。",
          f"This year marks the {ordinal(years)} anniversary of the birth of {person.en}; the {mission.en} held a memorial "
          "concert, a photo exhibition and other events.", ev, person, mission, concert, show)
    a.say(f"音乐会上演奏了{person.zh}创作的《{work.zh}》。", f"The concert included {person.en}'s “{work.en}”.",
          concert, work, person)


def invitation(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    key = ("Forum", a.home.iri)
    forum = w.recurring.get(key)
    if forum is None or not forum.iri:
        if w.internal:
            return talks(a)
        forum = w.curated("Forum", f"{a.home.zh}文化论坛")
        if forum is None:
            forum = E(w.make_iri("event", f"{slug_of(a.home)}-culture-forum"), "Forum", f"{a.home.zh}文化论坛",
                      f"{a.home.en} Culture Forum")
            w.new(forum)
            w.label(forum)
            g.add(forum.iri, "fg:location", a.home.iri)
        w.recurring[key] = forum
    year = a.start.year + 1
    inviter = rng.choice((a.delegation, a.authority))
    node = a.node("event", "Invitation", f"{inviter.zh}邀请{a.host.zh}参与{year}年{forum.zh}",
                  f"Invitation of {a.host.en} to the {forum.en} {year}")
    g.add(node, "fg:inviter", inviter.iri)
    g.add(node, "fg:invitee", a.host.iri)
    g.add(node, "fg:invitedTo", forum.iri)
    g.add(node, "fg:forYear", ylit(year))
    a.say(f"借此契机,{inviter.zh}邀请{a.host.zh}方参与{year}年{forum.zh}等平台。",
          f"On this occasion the {inviter.en} invited {a.host.en} to the {forum.en} in {year}.",
          node, inviter, forum)


def exhibition(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    city = _city(a)
    first = a.within()
    last = min(first + timedelta(days=rng.randint(0, 10)), a.end)
    centre = w.org("CulturalCentre" if w.fits("CulturalCentre", city) else "PublicFilmInstitution", city)
    theme = rng.choice(THEMES)
    films = list(dict.fromkeys(w.popular(w.films) for _ in range(rng.randint(2, 4))))
    ev = a.event("Exhibition", f"“{theme[0]}”电影海报展({city.zh})", f"“{theme[1]}” film poster exhibition ({city.en})",
                 first, last, [city])
    g.add(ev, "fg:organizer", centre.iri)
    g.add(ev, "fg:presentedWork", *(f.iri for f in films))
    g.add(a.main, "fg:subEvent", ev)
    when = a.span(first, last)
    a.say(f"{when[0]},“{theme[0]}”电影海报展在{centre.zh}举行,展出{''.join(a.title(f) for f in films)}等影片的海报。",
          f"{when[1].capitalize()} the “{theme[1]}” film poster exhibition at the {centre.en} showed posters "
          f"of {a.names(films, a.title)} and other films.", ev, centre, *films)


def guests(a: Article) -> None:
    w, g, rng = a.w, a.g, a.rng
    present = []
    for _ in range(rng.randint(2, 4)):
        where = rng.choice(a.cities + [a.home])
        cls = rng.choice(w.org_classes)
        if cls == "Delegation" or not w.fits(cls, where):
            cls = "FilmCompany"
        org = w.org(cls, where)
        present.append((org, *w.post(org)))
    present = list({p[1].iri: p for p in present}.values())
    g.add(a.main, "fg:participant", *(p[1].iri for p in present))
    phrases = [a.post_phrase(person, post) for _org, person, post in present]
    a.say(f"出席活动的还有{'、'.join(phrases)}。", f"Also present were {'; '.join(phrases)}.",
          a.main, *(x for _org, person, post in present for x in (post[1], person, post[0])))


SECTIONS = (promotion, screening, symposium, talks, coproduction, statement, commemoration, invitation, exhibition, guests)
WEIGHTS = (3, 3, 2, 2, 2, 1, 1, 1, 1, 2)


# -- the knowledge base ------------------------------------------------------------------------

def _copy_tree(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst)


def _count(path: Path) -> int:
    import pyoxigraph as ox

    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.TRIG
    return sum(1 for _ in ox.parse(path=str(path), format=fmt))


def generate(triples: int, *, seed: int = 1, out: Path, replace: bool = False, repo: Path = REPO) -> dict:
    """Write a knowledge base of about ``triples`` asserted triples into ``out`` (see the module
    docstring) and return its counts: ``triples`` (asserted, every graph), ``sources``,
    ``files``, ``bytes``, ``classes`` (nodes made per class), ``seconds``.

    Raises FileExistsError when ``out`` exists and is not empty, unless ``replace`` (then it is
    emptied first). Deterministic: the same ``triples`` and ``seed`` give the same files.
    """
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not replace:
            raise FileExistsError(f"{out} is not empty — choose another folder or pass --force to replace it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    graph = out / "graph"
    _copy_tree(repo / "ontology", out / "ontology")
    _copy_tree(repo / "queries", out / "queries")
    _copy_tree(repo / "graph", graph)
    (graph / "sources").mkdir(exist_ok=True)
    for stray in graph.rglob("__pycache__"):
        shutil.rmtree(stray)

    rng = random.Random(seed)
    world = World(rng, repo / "graph", out / "ontology" / "filmgraph.ttl")
    fixed = _count(out / "ontology" / "filmgraph.ttl") + sum(_count(p) for p in sorted(graph.glob("*.trig")))
    reference = world.reference_block()
    with (graph / "reference.trig").open("a", encoding="utf-8") as handle:
        handle.write("\n# ------------------------------------------------------------------\n"
                     "# Synthetic benchmark data (benchmarks/synth.py): more countries, cities and regions;\n"
                     "# coordinates approximate.\n"
                     "# ------------------------------------------------------------------\n\n")
        handle.write(reference.turtle("fgsrc:reference"))
    total = fixed + reference.count
    sources = max(1, round((triples - total) / TRIPLES_PER_SOURCE))
    written = 0
    for number in range(1, sources + 1):
        budget = max(200, (triples - total) // (sources - number + 1))
        article = Article(world, number, seed, budget)
        trig, text = article.write()
        (graph / "sources" / f"{article.id}.txt").write_text(text, encoding="utf-8")
        head = (f"# filmgraph — synthetic source {article.id} (benchmarks/synth.py, seed {seed})\n"
                f"# Every fg:evidence and fg:quote is copied verbatim from graph/sources/{article.id}.txt\n\n")
        (graph / f"{article.id}.trig").write_text(head + PREFIXES + "\n" + trig, encoding="utf-8")
        total += article.g.count
        written += 1
    files = [p for p in out.rglob("*") if p.is_file()]
    return {"triples": total, "sources": written, "files": len(files), "bytes": sum(p.stat().st_size for p in files),
            "classes": dict(sorted(world.counts.items())), "seconds": round(time.perf_counter() - started, 2)}


def _size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=_size, default=10_000, help="asserted triples, about (10k, 100k, 1m accepted)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (must be empty or new)")
    parser.add_argument("--force", action="store_true", help="replace --out if it is not empty")
    args = parser.parse_args(argv)
    try:
        counts = generate(args.triples, seed=args.seed, out=args.out, replace=args.force)
    except FileExistsError as e:
        sys.exit(f"synth.py: {e}")
    print(f"{counts['triples']:,} asserted triples in {counts['sources']} sources, {counts['files']} files, "
          f"{counts['bytes'] / 1e6:.1f} MB, {counts['seconds']:.1f} s -> {args.out}")
    print("nodes made: " + ", ".join(f"{k} {v:,}" for k, v in counts["classes"].items()))


if __name__ == "__main__":
    main()
