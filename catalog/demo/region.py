"""The demo region: «Приволжская область», a fictional Russian region.

Agencies, services, systems and data are what a Russian region really has (federal systems by their
real names; regional ones as regions usually call them); people, numbers and facts are invented.
The links are dense on purpose, so the architect's questions have interesting answers:
several processes share datasets, applicant data is typed by hand into several systems, some
processes still request on paper data that a data mart already exposes, and two regional systems
automate the same typical processes.

The catalogue is written as compact tables below and expanded into the lists that
``catalog.demo.loader.load_catalogue`` reads.
"""
from __future__ import annotations

REGION_NAME = "Приволжская область"

# --- agencies ---------------------------------------------------------------

_AGENCIES = [
    # code, name, short name, kind, parent
    ("MINSOC", "Министерство социальной защиты населения Приволжской области", "Минсоцзащиты", "executive", None),
    ("MINZDRAV", "Министерство здравоохранения Приволжской области", "Минздрав", "executive", None),
    ("MINOBR", "Министерство образования Приволжской области", "Минобразования", "executive", None),
    ("MINSTROY", "Министерство строительства и архитектуры Приволжской области", "Минстрой", "executive", None),
    ("MINPROM", "Министерство промышленности и торговли Приволжской области", "Минпромторг", "executive", None),
    ("MINEK", "Министерство экономического развития Приволжской области", "Минэкономразвития", "executive", None),
    ("MINIMUSH", "Министерство имущественных отношений Приволжской области", "Минимущества", "executive", None),
    ("MINTSIFR", "Министерство цифрового развития и связи Приволжской области", "Минцифры области", "executive", None),
    ("MINTRANS", "Министерство транспорта и автомобильных дорог Приволжской области", "Минтранс", "executive", None),
    ("MINSELHOZ", "Министерство сельского хозяйства и продовольствия Приволжской области", "Минсельхоз", "executive", None),
    ("MINPRIRODA", "Министерство природных ресурсов и экологии Приволжской области", "Минприроды", "executive", None),
    ("MINKULT", "Министерство культуры Приволжской области", "Минкультуры", "executive", None),
    ("MINTRUD", "Комитет по труду и занятости населения Приволжской области", "Комитет по труду", "executive", None),
    ("ZAGS", "Управление записи актов гражданского состояния Приволжской области", "Управление ЗАГС", "executive", None),
    ("GZHI", "Государственная жилищная инспекция Приволжской области", "ГЖИ", "executive", None),
    # Leningrad 2.13: the process office is a department of the Committee (here: of the ministry of economy).
    ("PROCOFFICE", "Департамент процессного управления и государственных услуг Министерства экономического развития "
     "Приволжской области", "Процессный офис", "process_office", "MINEK"),
    ("MFC", "ГАУ «Многофункциональный центр предоставления государственных и муниципальных услуг Приволжской области»",
     "МФЦ", "subordinate", "MINTSIFR"),
    ("CSV", "ГКУ «Центр социальных выплат Приволжской области»", "Центр социальных выплат", "subordinate", "MINSOC"),
    ("CZN", "ГКУ «Центр занятости населения Приволжской области»", "Центр занятости", "subordinate", "MINTRUD"),
    ("ADM_PRIVOLZHSK", "Администрация городского округа Приволжск", "Администрация г.о. Приволжск", "municipality", None),
    ("ADM_ZARECHNY", "Администрация Заречного муниципального района", "Администрация Заречного района", "municipality", None),
    ("MINTSIFRY_RF", "Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации",
     "Минцифры России", "federal", None),
    ("ROSREESTR", "Федеральная служба государственной регистрации, кадастра и картографии", "Росреестр", "federal", None),
    ("FNS", "Федеральная налоговая служба", "ФНС России", "federal", None),
    ("KAZNA", "Федеральное казначейство", "Казначейство России", "federal", None),
    ("SFR", "Фонд пенсионного и социального страхования Российской Федерации", "Социальный фонд России", "federal", None),
    ("RAR", "Федеральная служба по контролю за алкогольным и табачным рынками", "Росалкогольтабакконтроль", "federal", None),
    ("GENPROK", "Генеральная прокуратура Российской Федерации", "Генпрокуратура России", "federal", None),
    ("MINSTROY_RF", "Министерство строительства и жилищно-коммунального хозяйства Российской Федерации",
     "Минстрой России", "federal", None),
]

AGENCIES = [
    {"code": c, "name": n, "short_name": s, "kind": k, "parent": p,
     "description": f"{s}: {'орган исполнительной власти области' if k == 'executive' else n}."}
    for c, n, s, k, p in _AGENCIES
]
REGIONAL = [a[0] for a in _AGENCIES if a[3] in ("executive", "subordinate", "municipality")]

# --- people: three per regional agency ----------------------------------------

_SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
             "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
             "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
             "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
             "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
             "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков",
             "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров"]
_MALE = ["Алексей", "Андрей", "Сергей", "Дмитрий", "Игорь", "Павел", "Михаил", "Олег", "Николай", "Виктор"]
_FEMALE = ["Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Мария", "Анна", "Екатерина", "Юлия"]
_PATRONYMICS_M = ["Александрович", "Викторович", "Сергеевич", "Петрович", "Иванович", "Николаевич", "Юрьевич"]
_PATRONYMICS_F = ["Александровна", "Викторовна", "Сергеевна", "Петровна", "Ивановна", "Николаевна", "Юрьевна"]
_POSITIONS = [
    ("заместитель руководителя", "руководство"),
    ("начальник отдела организации предоставления услуг", "отдел организации предоставления услуг"),
    ("консультант отдела информатизации и процессного управления", "отдел информатизации и процессного управления"),
]


def _person(index: int) -> str:
    surname = _SURNAMES[index % len(_SURNAMES)]
    if index % 2:
        return f"{surname}а {_FEMALE[index % 10]} {_PATRONYMICS_F[index % 7]}"
    return f"{surname} {_MALE[index % 10]} {_PATRONYMICS_M[index % 7]}"


PEOPLE = []
for _i, _code in enumerate(REGIONAL):
    for _j, (_position, _unit) in enumerate(_POSITIONS):
        _n = _i * 3 + _j
        PEOPLE.append({"key": f"p_{_code.lower()}_{_j + 1}", "full_name": _person(_n), "position": _position,
                       "agency": _code, "unit": _unit, "email": f"user{_n + 1}@{_code.lower().replace('_', '-')}.example.ru"})

# --- life situations, the typical list, acts -------------------------------

LIFE_SITUATIONS = [
    {"code": c, "name": n, "description": d} for c, n, d in [
        ("LS_BIRTH", "Рождение ребёнка", "Регистрация рождения, пособия и выплаты семьям с детьми"),
        ("LS_LARGE_FAMILY", "Многодетная семья", "Статус многодетной семьи и меры поддержки"),
        ("LS_SCHOOL", "Поступление в школу", "Зачисление в общеобразовательную организацию"),
        ("LS_KINDERGARTEN", "Запись в детский сад", "Постановка на учёт и направление в детский сад"),
        ("LS_BUSINESS", "Открытие бизнеса", "Регистрация, лицензии и разрешения для предпринимателя"),
        ("LS_HOUSE", "Строительство жилого дома", "Земельный участок, уведомления и разрешения на строительство"),
        ("LS_PENSION", "Выход на пенсию", "Назначение пенсии и региональных мер поддержки пенсионерам"),
        ("LS_DISABILITY", "Инвалидность", "Меры поддержки людям с инвалидностью"),
        ("LS_LOSS", "Утрата близкого человека", "Регистрация смерти, пособие на погребение"),
        ("LS_MOVING", "Переезд в другой регион", "Регистрация по месту жительства, перевод услуг"),
        ("LS_HOUSING", "Покупка и улучшение жилья", "Жилищные программы и субсидии"),
        ("LS_JOB", "Поиск работы", "Регистрация безработных, пособие, переобучение"),
        ("LS_FARM", "Ведение сельского хозяйства", "Субсидии и государственная поддержка аграриев"),
        ("LS_MARRIAGE", "Вступление в брак", "Регистрация брака"),
        ("LS_CAR", "Владение автомобилем и перевозки", "Разрешения на такси, парковки, льготный проезд"),
        ("LS_NATURE", "Природопользование", "Разрешения на охоту, рыболовство, пользование недрами"),
    ]
]

_GROUPS = [
    ("G_SOC", "Предоставление мер социальной поддержки", [
        ("T_SOC_ASSIGN", "Назначение мер социальной поддержки"), ("T_SOC_PAY", "Предоставление выплат"),
        ("T_SOC_STATUS", "Установление статуса получателя мер поддержки")]),
    ("G_LIC", "Лицензирование", [
        ("T_LIC_ISSUE", "Выдача лицензии"), ("T_LIC_RENEW", "Переоформление лицензии"),
        ("T_LIC_REGISTER", "Ведение реестра лицензий")]),
    ("G_PERMIT", "Разрешительная деятельность", [
        ("T_PERMIT_ISSUE", "Выдача разрешения"), ("T_PERMIT_NOTICE", "Рассмотрение уведомления"),
        ("T_PERMIT_APPROVE", "Согласование документации")]),
    ("G_CONTROL", "Контрольно-надзорная деятельность", [
        ("T_CONTROL_PLAN", "Планирование контрольных мероприятий"),
        ("T_CONTROL_EVENT", "Проведение контрольного (надзорного) мероприятия"),
        ("T_CONTROL_PREVENT", "Профилактика нарушений обязательных требований")]),
    ("G_REGISTRY", "Регистрация и учёт", [
        ("T_REG_ACT", "Государственная регистрация актов гражданского состояния"),
        ("T_REG_QUEUE", "Постановка на учёт"), ("T_REG_RECORD", "Внесение сведений в реестр")]),
    ("G_INFO", "Предоставление сведений", [
        ("T_INFO_EXTRACT", "Предоставление выписки из реестра"),
        ("T_INFO_ARCHIVE", "Предоставление архивных справок")]),
    ("G_SUPPORT", "Государственная поддержка", [
        ("T_GRANT", "Предоставление субсидии (гранта)"), ("T_GRANT_REPORT", "Приём отчётности получателей поддержки")]),
    ("G_PROPERTY", "Управление имуществом и землёй", [
        ("T_LAND_LEASE", "Предоставление земельного участка"), ("T_PROPERTY_LEASE", "Передача имущества в аренду")]),
    ("G_EDU", "Образование и здравоохранение", [
        ("T_EDU_ENROLL", "Зачисление в образовательную организацию"),
        ("T_MED_ATTACH", "Прикрепление к медицинской организации")]),
    ("G_ADMIN", "Обеспечивающие процессы", [
        ("T_HR", "Кадровое обеспечение"), ("T_PROCUREMENT", "Закупки товаров, работ, услуг"),
        ("T_DOCFLOW", "Делопроизводство и документооборот"), ("T_APPEALS", "Рассмотрение обращений граждан")]),
]
PROCESS_GROUPS = [{"code": c, "name": n, "description": f"Группа типового перечня: {n.lower()}"} for c, n, _ in _GROUPS]
TYPICAL_PROCESSES = [
    {"code": tc, "name": tn, "group": gc, "description": f"Типовой процесс группы «{gn}»"}
    for gc, gn, items in _GROUPS for tc, tn in items
]

ACTS = [
    {"code": c, "title": t, "kind": k, "number": n, "date": d, "issuer": i} for c, t, k, n, d, i in [
        ("FZ_210", "Об организации предоставления государственных и муниципальных услуг", "federal_law", "210-ФЗ",
         "2010-07-27", "Федеральное Собрание РФ"),
        ("FZ_152", "О персональных данных", "federal_law", "152-ФЗ", "2006-07-27", "Федеральное Собрание РФ"),
        ("FZ_149", "Об информации, информационных технологиях и о защите информации", "federal_law", "149-ФЗ",
         "2006-07-27", "Федеральное Собрание РФ"),
        ("FZ_99", "О лицензировании отдельных видов деятельности", "federal_law", "99-ФЗ", "2011-05-04",
         "Федеральное Собрание РФ"),
        ("FZ_171", "О государственном регулировании производства и оборота этилового спирта, алкогольной и "
                   "спиртосодержащей продукции", "federal_law", "171-ФЗ", "1995-11-22", "Федеральное Собрание РФ"),
        ("FZ_81", "О государственных пособиях гражданам, имеющим детей", "federal_law", "81-ФЗ", "1995-05-19",
         "Федеральное Собрание РФ"),
        ("FZ_143", "Об актах гражданского состояния", "federal_law", "143-ФЗ", "1997-11-15", "Федеральное Собрание РФ"),
        ("FZ_218", "О государственной регистрации недвижимости", "federal_law", "218-ФЗ", "2015-07-13",
         "Федеральное Собрание РФ"),
        ("FZ_248", "О государственном контроле (надзоре) и муниципальном контроле в Российской Федерации",
         "federal_law", "248-ФЗ", "2020-07-31", "Федеральное Собрание РФ"),
        ("FZ_273", "Об образовании в Российской Федерации", "federal_law", "273-ФЗ", "2012-12-29",
         "Федеральное Собрание РФ"),
        ("FZ_181", "О социальной защите инвалидов в Российской Федерации", "federal_law", "181-ФЗ", "1995-11-24",
         "Федеральное Собрание РФ"),
        ("FZ_580", "О такси: об организации перевозок легковым такси в Российской Федерации", "federal_law", "580-ФЗ",
         "2022-12-29", "Федеральное Собрание РФ"),
        ("GK_RF", "Градостроительный кодекс Российской Федерации", "federal_law", "190-ФЗ", "2004-12-29",
         "Федеральное Собрание РФ"),
        ("ZK_RF", "Земельный кодекс Российской Федерации", "federal_law", "136-ФЗ", "2001-10-25",
         "Федеральное Собрание РФ"),
        ("PP_1376", "Об утверждении Правил организации деятельности многофункциональных центров",
         "government_decree", "1376", "2012-12-22", "Правительство РФ"),
        ("PP_2464", "О порядке и условиях назначения и выплаты ежемесячного пособия в связи с рождением и "
                    "воспитанием ребёнка", "government_decree", "2330", "2022-12-16", "Правительство РФ"),
        ("RZ_SOC", "О мерах социальной поддержки отдельных категорий граждан в Приволжской области",
         "regional_law", "112-ОЗ", "2016-12-20", "Приволжская областная Дума"),
        ("RZ_LARGE", "О статусе многодетной семьи в Приволжской области", "regional_law", "45-ОЗ", "2019-05-14",
         "Приволжская областная Дума"),
        ("RP_DIGITAL", "О концепции цифровой трансформации процессов в исполнительных органах Приволжской области",
         "regional_decree", "518-п", "2024-09-03", "Правительство Приволжской области"),
        ("RP_REGISTER", "О порядке ведения реестра межведомственных и внутриведомственных процессов",
         "regional_decree", "127-п", "2024-03-11", "Правительство Приволжской области"),
        ("RP_SUBSIDY_AGRO", "О предоставлении субсидий сельскохозяйственным товаропроизводителям",
         "regional_decree", "233-п", "2023-04-18", "Правительство Приволжской области"),
        ("AR_SOC_CHILD", "Административный регламент предоставления ежемесячной денежной выплаты на ребёнка",
         "admin_regulation", "87-од", "2023-02-10", "Министерство социальной защиты населения"),
        ("AR_ALC", "Административный регламент лицензирования розничной продажи алкогольной продукции",
         "admin_regulation", "54", "2022-08-01", "Министерство промышленности и торговли"),
        ("AR_BUILD", "Административный регламент выдачи разрешения на строительство", "admin_regulation", "19-р",
         "2023-06-15", "Министерство строительства и архитектуры"),
        ("AR_KINDERGARTEN", "Административный регламент постановки на учёт и направления детей в детские сады",
         "admin_regulation", "311", "2022-11-30", "Министерство образования"),
        ("AR_TAXI", "Административный регламент внесения сведений в региональный реестр перевозчиков легковым такси",
         "admin_regulation", "7-т", "2023-09-01", "Министерство транспорта и автомобильных дорог"),
    ]
]

# --- information systems ------------------------------------------------------

SYSTEMS = [
    {"code": c, "name": n, "short_name": s, "legal_kind": k, "stage": st, "operator": op, "fgis_ki_number": fk,
     "url": u, "description": d}
    for c, n, s, k, st, op, fk, u, d in [
        ("EPGU", "Федеральная государственная информационная система «Единый портал государственных и муниципальных "
                 "услуг (функций)»", "ЕПГУ", "federal", "operation", "MINTSIFRY_RF", "ФГИС КИ 1001",
         "https://www.gosuslugi.ru", "Приём заявлений и выдача результатов услуг в электронном виде"),
        ("SMEV", "Единая система межведомственного электронного взаимодействия", "СМЭВ", "federal", "operation",
         "MINTSIFRY_RF", "ФГИС КИ 1002", None, "Транспорт межведомственных запросов и витрин данных СМЭВ4"),
        ("ESIA", "Федеральная государственная информационная система «Единая система идентификации и "
                 "аутентификации»", "ЕСИА", "federal", "operation", "MINTSIFRY_RF", "ФГИС КИ 1003", None,
         "Учётные записи граждан и организаций"),
        ("ESNSI", "Единая система нормативной справочной информации", "ЕСНСИ", "federal", "operation",
         "MINTSIFRY_RF", "ФГИС КИ 1004", None, "Справочники и классификаторы"),
        ("GISGMP", "Государственная информационная система о государственных и муниципальных платежах", "ГИС ГМП",
         "federal", "operation", "KAZNA", "ФГИС КИ 1005", None, "Сведения о начислениях и уплате госпошлин и штрафов"),
        ("FGIS_EGRN", "Федеральная государственная информационная система ведения Единого государственного реестра "
                      "недвижимости", "ФГИС ЕГРН", "federal", "operation", "ROSREESTR", "ФГИС КИ 1006", None,
         "Реестр объектов недвижимости и прав на них"),
        ("EGR_ZAGS", "Единый государственный реестр записей актов гражданского состояния", "ЕГР ЗАГС", "federal",
         "operation", "FNS", "ФГИС КИ 1007", None, "Записи актов о рождении, браке, смерти"),
        ("FNS_EGRUL", "Единый государственный реестр юридических лиц и индивидуальных предпринимателей",
         "ЕГРЮЛ/ЕГРИП", "federal", "operation", "FNS", "ФГИС КИ 1008", None, "Сведения о юрлицах и ИП"),
        ("EGISSO", "Единая государственная информационная система социального обеспечения", "ЕГИССО", "federal",
         "operation", "SFR", "ФГИС КИ 1009", None, "Сведения о назначенных мерах социальной защиты"),
        ("FRI", "Федеральный реестр инвалидов", "ФРИ", "federal", "operation", "SFR", "ФГИС КИ 1010", None,
         "Сведения об инвалидности и индивидуальных программах реабилитации"),
        ("EGAIS", "Единая государственная автоматизированная информационная система учёта алкогольной продукции",
         "ЕГАИС", "federal", "operation", "RAR", "ФГИС КИ 1011", None, "Учёт оборота алкогольной продукции"),
        ("GIS_ZHKH", "Государственная информационная система жилищно-коммунального хозяйства", "ГИС ЖКХ", "federal",
         "operation", "MINSTROY_RF", "ФГИС КИ 1012", None, "Сведения о домах, управляющих организациях, платежах"),
        ("ERKNM", "Единый реестр контрольных (надзорных) мероприятий", "ЕРКНМ", "federal", "operation", "GENPROK",
         "ФГИС КИ 1013", None, "Учёт плановых и внеплановых проверок"),
        ("RPGU", "Региональный портал государственных и муниципальных услуг Приволжской области", "РПГУ",
         "regional", "operation", "MINTSIFR", "ФГИС КИ 6301", None, "Региональные услуги в электронном виде"),
        ("SED", "Региональная система электронного документооборота Приволжской области", "Региональная СЭД",
         "regional", "operation", "MINTSIFR", "ФГИС КИ 6302", None, "Делопроизводство исполнительных органов"),
        ("AIS_MFC", "Автоматизированная информационная система многофункциональных центров", "АИС МФЦ", "regional",
         "operation", "MFC", "ФГИС КИ 6303", None, "Приём заявителей в МФЦ, ведение дел"),
        ("ASP", "Региональная ГИС «Адресная социальная помощь»", "АСП", "regional", "operation", "MINSOC", None, None,
         "Назначение и выплата региональных мер социальной поддержки"),
        ("RMIS", "Региональная медицинская информационная система", "РМИС", "regional", "development", "MINZDRAV",
         "ФГИС КИ 6305", None, "Электронные медицинские карты, прикреплённое население"),
        ("EDU_SCHOOL", "Региональная ГИС «Электронная школа»", "Электронная школа", "regional", "operation",
         "MINOBR", "ФГИС КИ 6306", None, "Контингент обучающихся, запись в школы и детские сады"),
        ("ISOGD", "Региональная ГИС обеспечения градостроительной деятельности", "ГИСОГД", "regional", "development",
         "MINSTROY", None, None, "Разрешения на строительство, градостроительные планы"),
        ("LICENSING", "Региональная ГИС «Лицензирование и разрешительная деятельность»", "ГИС Лицензирование",
         "regional", "operation", "MINPROM", "ФГИС КИ 6308", None, "Лицензии, разрешения, реестры перевозчиков"),
        ("ASUL_OLD", "АИС «Учёт лицензий» (устаревшая)", "АИС Учёт лицензий", "regional", "decommissioning",
         "MINPROM", None, None, "Прежняя система учёта лицензий; выводится из эксплуатации"),
        ("PROPERTY", "Региональная ГИС «Управление имуществом и земельными ресурсами»", "ГИС Имущество",
         "regional", "operation", "MINIMUSH", None, None, "Реестр областного имущества, аренда земли"),
        ("AGRO", "Региональная ГИС «Господдержка АПК»", "ГИС АПК", "regional", "creation", "MINSELHOZ", None, None,
         "Создаётся: субсидии сельхозтоваропроизводителям"),
        ("CONTROL", "Региональная ГИС «Контрольно-надзорная деятельность»", "ГИС КНД", "regional", "operation",
         "MINEK", "ФГИС КИ 6311", None, "Региональный контроль и профилактика"),
        ("EMPLOY", "Региональная ГИС «Занятость населения»", "ГИС Занятость", "regional", "operation", "MINTRUD",
         None, None, "Учёт ищущих работу, вакансии, пособия"),
        ("MUN_PRIVOLZHSK", "Муниципальная ИС «Электронный муниципалитет» г.о. Приволжск", "ИС Электронный муниципалитет",
         "municipal", "operation", "ADM_PRIVOLZHSK", None, None, "Муниципальные услуги и земельный учёт"),
    ]
]

# --- datasets, entities, attributes -------------------------------------------

_PERSON = ("E_PERSON", "Физическое лицо", ["snils:СНИЛС:string:k:r", "last_name:Фамилия:string::r",
                                           "first_name:Имя:string::r", "middle_name:Отчество:string",
                                           "birth_date:Дата рождения:date::r", "address:Адрес регистрации:string"])
_ORG = ("E_ORG", "Юридическое лицо", ["ogrn:ОГРН:string:k:r", "inn:ИНН:string::r", "full_name:Полное наименование:string::r",
                                      "address:Адрес:string", "head:Руководитель:string"])


def _entity(code: str, name: str, attrs: list[str]) -> dict:
    attributes = []
    for spec in attrs:
        a_code, a_name, a_type, *flags = spec.split(":") + ["", ""]
        attributes.append({"code": a_code, "name": a_name, "data_type": a_type,
                           "is_key": flags[0] == "k", "is_required": flags[1] == "r" or flags[0] == "k"})
    return {"code": code, "name": name, "attributes": attributes}


_DATASETS = [
    # code, name, owner, stored in, update frequency, personal data, entities [(code, name, attributes)]
    ("DS_APPLICANTS", "Сведения о заявителях", "MFC", ["AIS_MFC", "ASP", "SED", "RPGU"], "realtime", True,
     [("E_APPLICANT", "Заявитель", ["snils:СНИЛС:string:k:r", "fio:ФИО:string::r", "doc:Документ, удостоверяющий личность:document::r",
                                    "phone:Телефон:string", "email:Электронная почта:string"])]),
    ("DS_APPLICATIONS", "Журнал заявлений на услуги", "MFC", ["AIS_MFC", "SED", "EPGU"], "realtime", True,
     [("E_APPLICATION", "Заявление", ["number:Номер заявления:string:k:r", "received:Дата приёма:datetime::r",
                                      "service:Услуга:reference::r", "channel:Канал подачи:reference", "status:Статус:reference"])]),
    ("DS_EGRN_OBJECTS", "Сведения ЕГРН об объектах недвижимости", "ROSREESTR", ["FGIS_EGRN"], "daily", False,
     [("E_REAL_ESTATE", "Объект недвижимости", ["cadastral:Кадастровый номер:string:k:r", "kind:Вид объекта:reference::r",
                                                "area:Площадь:decimal", "address:Адрес:string", "cost:Кадастровая стоимость:decimal"]),
      ("E_RIGHT", "Зарегистрированное право", ["number:Номер регистрации:string:k:r", "kind:Вид права:reference::r",
                                               "holder:Правообладатель:string::r", "date:Дата регистрации:date::r"])]),
    ("DS_ZAGS_BIRTH", "Записи актов о рождении", "FNS", ["EGR_ZAGS"], "realtime", True,
     [("E_BIRTH_ACT", "Запись акта о рождении", ["number:Номер записи:string:k:r", "date:Дата записи:date::r",
                                                 "child:ФИО ребёнка:string::r", "birth_date:Дата рождения:date::r",
                                                 "mother:Мать:string", "father:Отец:string"])]),
    ("DS_ZAGS_DEATH", "Записи актов о смерти", "FNS", ["EGR_ZAGS"], "realtime", True,
     [("E_DEATH_ACT", "Запись акта о смерти", ["number:Номер записи:string:k:r", "date:Дата записи:date::r",
                                               "person:ФИО умершего:string::r", "death_date:Дата смерти:date::r"])]),
    ("DS_ZAGS_MARRIAGE", "Записи актов о заключении брака", "FNS", ["EGR_ZAGS"], "realtime", True,
     [("E_MARRIAGE_ACT", "Запись акта о заключении брака", ["number:Номер записи:string:k:r", "date:Дата:date::r",
                                                            "husband:Супруг:string::r", "wife:Супруга:string::r"])]),
    ("DS_EGRUL", "Сведения ЕГРЮЛ и ЕГРИП", "FNS", ["FNS_EGRUL"], "daily", False,
     [_ORG, ("E_IP", "Индивидуальный предприниматель", ["ogrnip:ОГРНИП:string:k:r", "inn:ИНН:string::r",
                                                        "fio:ФИО:string::r", "okved:Основной вид деятельности:reference"])]),
    ("DS_INCOME", "Сведения о доходах граждан", "SFR", ["EGISSO"], "monthly", True,
     [("E_INCOME", "Доход за период", ["snils:СНИЛС:string:k:r", "period:Период:string::r", "kind:Вид дохода:reference::r",
                                       "amount:Сумма:decimal::r"])]),
    ("DS_DISABILITY", "Сведения об инвалидности", "SFR", ["FRI"], "daily", True,
     [("E_DISABILITY", "Инвалидность", ["snils:СНИЛС:string:k:r", "group:Группа инвалидности:reference::r",
                                        "date_from:Дата установления:date::r", "date_to:Срок:date", "ipra:Номер ИПРА:string"])]),
    ("DS_EGISSO_MEASURES", "Сведения ЕГИССО о назначенных мерах", "SFR", ["EGISSO"], "daily", True,
     [("E_MEASURE_FACT", "Факт назначения меры", ["snils:СНИЛС:string:k:r", "measure:Мера (код ЕГИССО):reference::r",
                                                  "date:Дата назначения:date::r", "amount:Размер:decimal"])]),
    ("DS_PAYMENTS", "Сведения об уплате госпошлин и платежей", "KAZNA", ["GISGMP"], "realtime", True,
     [("E_PAYMENT", "Платёж", ["uin:УИН:string:k:r", "payer:Плательщик:string::r", "amount:Сумма:decimal::r",
                               "date:Дата платежа:date::r", "kbk:КБК:string"])]),
    ("DS_SOCIAL_RECIPIENTS", "Реестр получателей мер социальной поддержки", "MINSOC", ["ASP", "EGISSO"], "daily", True,
     [_PERSON, ("E_MEASURE", "Назначенная мера поддержки", ["number:Номер решения:string:k:r", "kind:Вид меры:reference::r",
                                                            "start:Дата начала:date::r", "end:Дата окончания:date",
                                                            "amount:Размер выплаты:decimal"])]),
    ("DS_LARGE_FAMILIES", "Реестр многодетных семей", "MINSOC", ["ASP", "AIS_MFC"], "daily", True,
     [("E_FAMILY", "Многодетная семья", ["certificate:Номер удостоверения:string:k:r", "parent:Родитель:string::r",
                                         "children:Число детей:integer::r", "valid_to:Действует до:date"])]),
    ("DS_PAYMENT_ORDERS", "Выплатные документы", "CSV", ["ASP"], "monthly", True,
     [("E_PAYMENT_ORDER", "Выплатное поручение", ["number:Номер:string:k:r", "recipient:Получатель:string::r",
                                                  "amount:Сумма:decimal::r", "account:Счёт:string::r"])]),
    ("DS_LICENSES", "Реестр лицензий на розничную продажу алкогольной продукции", "MINPROM", ["LICENSING", "ASUL_OLD"],
     "daily", False,
     [("E_LICENSE", "Лицензия", ["number:Номер лицензии:string:k:r", "holder:Лицензиат (ОГРН):string::r",
                                 "issued:Дата выдачи:date::r", "valid_to:Срок действия:date::r",
                                 "address:Адрес обособленного подразделения:string::r", "status:Статус:reference::r"])]),
    ("DS_TAXI", "Региональный реестр перевозчиков легковым такси", "MINTRANS", ["LICENSING"], "daily", False,
     [("E_TAXI_CAR", "Легковое такси", ["reg_number:Государственный номер:string:k:r", "carrier:Перевозчик:string::r",
                                        "entry_date:Дата внесения:date::r"])]),
    ("DS_BUILD_PERMITS", "Реестр разрешений на строительство и ввод в эксплуатацию", "MINSTROY", ["ISOGD"], "daily", False,
     [("E_BUILD_PERMIT", "Разрешение на строительство", ["number:Номер разрешения:string:k:r", "developer:Застройщик:string::r",
                                                         "cadastral:Кадастровый номер участка:string::r",
                                                         "date:Дата выдачи:date::r", "object:Объект:string::r"]),
      ("E_GPZU", "Градостроительный план земельного участка", ["number:Номер ГПЗУ:string:k:r",
                                                               "cadastral:Кадастровый номер:string::r", "date:Дата:date::r"])]),
    ("DS_HOUSE_NOTICES", "Уведомления о планируемом строительстве ИЖС", "ADM_PRIVOLZHSK", ["MUN_PRIVOLZHSK", "SED"],
     "daily", True,
     [("E_HOUSE_NOTICE", "Уведомление о строительстве", ["number:Номер:string:k:r", "applicant:Застройщик:string::r",
                                                         "cadastral:Кадастровый номер участка:string::r",
                                                         "result:Результат рассмотрения:reference"])]),
    ("DS_PUPILS", "Контингент обучающихся", "MINOBR", ["EDU_SCHOOL"], "daily", True,
     [("E_PUPIL", "Обучающийся", ["snils:СНИЛС:string:k:r", "fio:ФИО:string::r", "school:Образовательная организация:reference::r",
                                  "grade:Класс:string"])]),
    ("DS_KINDERGARTEN_QUEUE", "Очередь в детские сады", "MINOBR", ["EDU_SCHOOL", "MUN_PRIVOLZHSK"], "daily", True,
     [("E_QUEUE_ENTRY", "Заявление в очереди", ["number:Номер:string:k:r", "child:Ребёнок:string::r",
                                                "birth_date:Дата рождения:date::r", "preferred:Желаемые сады:string",
                                                "benefit:Льгота:reference"])]),
    ("DS_ATTACHED", "Прикреплённое население", "MINZDRAV", ["RMIS"], "daily", True,
     [("E_ATTACHMENT", "Прикрепление", ["policy:Номер полиса ОМС:string:k:r", "fio:ФИО:string::r",
                                        "clinic:Медицинская организация:reference::r", "date:Дата прикрепления:date::r"])]),
    ("DS_MED_CERTS", "Медицинские свидетельства о рождении и смерти", "MINZDRAV", ["RMIS"], "realtime", True,
     [("E_MED_CERT", "Медицинское свидетельство", ["number:Номер:string:k:r", "kind:Вид:reference::r",
                                                   "date:Дата выдачи:date::r", "person:ФИО:string::r"])]),
    ("DS_PROPERTY_REGISTER", "Реестр имущества Приволжской области", "MINIMUSH", ["PROPERTY"], "monthly", False,
     [("E_PROPERTY_OBJECT", "Объект областного имущества", ["reg_number:Реестровый номер:string:k:r",
                                                            "name:Наименование:string::r", "cadastral:Кадастровый номер:string",
                                                            "holder:Балансодержатель:string"])]),
    ("DS_LAND_LEASES", "Договоры аренды земельных участков", "MINIMUSH", ["PROPERTY", "MUN_PRIVOLZHSK"], "daily", False,
     [("E_LEASE", "Договор аренды", ["number:Номер договора:string:k:r", "tenant:Арендатор:string::r",
                                     "cadastral:Кадастровый номер:string::r", "term:Срок аренды:date::r",
                                     "rent:Арендная плата:decimal"])]),
    ("DS_AGRO_SUBSIDIES", "Реестр получателей субсидий АПК", "MINSELHOZ", ["AGRO", "SED"], "monthly", False,
     [("E_SUBSIDY", "Субсидия", ["agreement:Номер соглашения:string:k:r", "recipient:Получатель (ОГРН):string::r",
                                 "amount:Сумма:decimal::r", "purpose:Направление:reference::r"])]),
    ("DS_UNEMPLOYED", "Регистр граждан, ищущих работу", "MINTRUD", ["EMPLOY"], "daily", True,
     [("E_JOBSEEKER", "Гражданин, ищущий работу", ["snils:СНИЛС:string:k:r", "fio:ФИО:string::r",
                                                   "status:Статус безработного:boolean", "benefit:Размер пособия:decimal"])]),
    ("DS_VACANCIES", "Банк вакансий", "CZN", ["EMPLOY"], "daily", False,
     [("E_VACANCY", "Вакансия", ["id:Идентификатор:string:k:r", "employer:Работодатель:string::r",
                                 "position:Должность:string::r", "salary:Зарплата:decimal"])]),
    ("DS_INSPECTIONS", "Сведения о контрольных (надзорных) мероприятиях", "MINEK", ["CONTROL", "ERKNM"], "daily", False,
     [("E_INSPECTION", "Контрольное мероприятие", ["erknm:Учётный номер ЕРКНМ:string:k:r",
                                                   "object:Объект контроля:string::r", "kind:Вид мероприятия:reference::r",
                                                   "date:Дата:date::r", "result:Результат:string"])]),
    ("DS_HOUSING_LICENSES", "Реестр лицензий управляющих организаций", "GZHI", ["GIS_ZHKH", "CONTROL"], "daily", False,
     [("E_MANAGING_ORG", "Управляющая организация", ["ogrn:ОГРН:string:k:r", "license:Номер лицензии:string::r",
                                                      "houses:Число домов в управлении:integer"])]),
    ("DS_HOUSES", "Сведения о многоквартирных домах", "GZHI", ["GIS_ZHKH"], "monthly", False,
     [("E_HOUSE", "Многоквартирный дом", ["fias:Код ФИАС:string:k:r", "address:Адрес:string::r",
                                          "manager:Управляющая организация:string"])]),
    ("DS_ALCO_TURNOVER", "Сведения об обороте алкогольной продукции", "RAR", ["EGAIS"], "realtime", False,
     [("E_ALCO_DECLARATION", "Декларация об обороте", ["number:Номер:string:k:r", "org:Организация (ИНН):string::r",
                                                       "period:Период:string::r", "volume:Объём:decimal::r"])]),
    ("DS_APPEALS", "Обращения граждан", "MINTSIFR", ["SED", "RPGU"], "realtime", True,
     [("E_APPEAL", "Обращение", ["number:Регистрационный номер:string:k:r", "author:Автор:string::r",
                                 "topic:Тематика:reference::r", "received:Дата поступления:date::r",
                                 "answer_due:Срок ответа:date::r"])]),
    ("DS_STAFF", "Кадровый учёт государственных гражданских служащих", "MINTSIFR", ["SED"], "monthly", True,
     [("E_EMPLOYEE", "Служащий", ["tab:Табельный номер:string:k:r", "fio:ФИО:string::r",
                                  "position:Должность:string::r", "unit:Подразделение:string"])]),
    ("DS_PROCUREMENTS", "Закупки исполнительных органов", "MINEK", ["SED"], "daily", False,
     [("E_PURCHASE", "Закупка", ["reg_number:Реестровый номер закупки:string:k:r", "subject:Предмет:string::r",
                                 "price:Начальная цена:decimal::r", "customer:Заказчик:string::r"])]),
    ("DS_CULTURE_EVENTS", "Реестр учреждений и мероприятий культуры", "MINKULT", ["SED"], "monthly", False,
     [("E_CULTURE_ORG", "Учреждение культуры", ["inn:ИНН:string:k:r", "name:Наименование:string::r",
                                                "kind:Тип учреждения:reference"])]),
    ("DS_NATURE_PERMITS", "Разрешения на добычу охотничьих ресурсов", "MINPRIRODA", ["LICENSING", "SED"], "daily", True,
     [("E_HUNT_PERMIT", "Разрешение на добычу", ["number:Номер бланка:string:k:r", "hunter:Охотник:string::r",
                                                 "resource:Вид ресурса:reference::r", "season:Сезон:string::r"])]),
    ("DS_HUNTERS", "Государственный охотхозяйственный реестр (охотничьи билеты)", "MINPRIRODA", ["SED"], "daily", True,
     [("E_HUNTER_TICKET", "Охотничий билет", ["number:Номер билета:string:k:r", "fio:ФИО:string::r",
                                              "issued:Дата выдачи:date::r"])]),
    ("DS_MUN_LAND", "Реестр муниципальных земельных участков", "ADM_PRIVOLZHSK", ["MUN_PRIVOLZHSK"], "monthly", False,
     [("E_MUN_LAND", "Земельный участок", ["cadastral:Кадастровый номер:string:k:r", "area:Площадь:decimal::r",
                                           "use:Вид разрешённого использования:reference"])]),
    ("DS_NSI", "Справочники ЕСНСИ", "MINTSIFRY_RF", ["ESNSI"], "weekly", False,
     [("E_NSI_ITEM", "Элемент справочника", ["code:Код:string:k:r", "name:Наименование:string::r",
                                             "dictionary:Справочник:reference::r"])]),
]

DATASETS = []
_seen_entities: set[str] = set()
for _code, _name, _owner, _stored, _freq, _pd, _entities in _DATASETS:
    entities = []
    for _e_code, _e_name, _attrs in _entities:
        # Entity codes are unique: a shared shape (Физическое лицо) gets the dataset's suffix.
        _unique = _e_code if _e_code not in _seen_entities else f"{_e_code}_{_code[3:]}"
        _seen_entities.add(_unique)
        entities.append(_entity(_unique, _e_name, _attrs))
    DATASETS.append({"code": _code, "name": _name, "owner": _owner, "stored_in": _stored, "update_frequency": _freq,
                     "contains_personal_data": _pd, "description": f"{_name}; обладатель — {_owner}.",
                     "entities": entities})

DOCUMENT_TYPES = [
    {"code": c, "name": n, "description": n, "metadata_fields": [
        {"name": f, "data_type": t, "required": r} for f, t, r in fields]}
    for c, n, fields in [
        ("DT_PASSPORT", "Паспорт гражданина Российской Федерации", [("Серия", "string", True), ("Номер", "string", True),
                                                                   ("Дата выдачи", "date", True), ("Кем выдан", "string", True),
                                                                   ("Код подразделения", "string", True)]),
        ("DT_BIRTH_CERT", "Свидетельство о рождении", [("Серия", "string", True), ("Номер", "string", True),
                                                      ("Дата выдачи", "date", True), ("Номер записи акта", "string", True)]),
        ("DT_SNILS", "Страховой номер индивидуального лицевого счёта (СНИЛС)", [("Номер", "string", True)]),
        ("DT_EGRN_EXTRACT", "Выписка из ЕГРН", [("Кадастровый номер", "string", True), ("Дата выписки", "date", True)]),
        ("DT_LICENSE", "Лицензия", [("Номер", "string", True), ("Вид деятельности", "reference", True),
                                    ("Срок действия", "date", True)]),
        ("DT_INCOME_CERT", "Справка о доходах", [("Период", "string", True), ("Сумма", "decimal", True),
                                                 ("Работодатель", "string", False)]),
        ("DT_BUILD_PERMIT", "Разрешение на строительство", [("Номер", "string", True), ("Дата", "date", True),
                                                            ("Кадастровый номер участка", "string", True)]),
        ("DT_LARGE_FAMILY", "Удостоверение многодетной семьи", [("Номер", "string", True), ("Действует до", "date", True)]),
        ("DT_MED_CERT", "Медицинское свидетельство о рождении", [("Серия", "string", True), ("Номер", "string", True)]),
        ("DT_POWER_OF_ATTORNEY", "Доверенность", [("Номер", "string", False), ("Дата", "date", True),
                                                 ("Доверитель", "string", True), ("Срок действия", "date", False)]),
    ]
]

# --- data marts -------------------------------------------------------------

DATA_MARTS = [
    {"code": c, "name": n, "kind": k, "owner": o, "host": h, "exposes": ex, "info_kind": ik,
     "description": f"{n}: {ik.lower()}.", "completeness": q[0], "accuracy": q[1], "timeliness": q[2],
     "quality_responsible": resp, "quality_checked_on": checked}
    for c, n, k, o, h, ex, ik, q, resp, checked in [
        ("M_SOCIAL", "Витрина данных «Меры социальной поддержки»", "smev4", "MINSOC", "ASP",
         ["DS_SOCIAL_RECIPIENTS", "DS_LARGE_FAMILIES"], "Сведения о назначенных мерах социальной поддержки",
         (96.5, 98.0, 90.0), "p_minsoc_3", "2026-09-15"),
        ("M_ZAGS", "Витрина ЕГР ЗАГС (СМЭВ4)", "smev4", "FNS", "EGR_ZAGS",
         ["DS_ZAGS_BIRTH", "DS_ZAGS_DEATH", "DS_ZAGS_MARRIAGE"], "Сведения о государственной регистрации актов "
         "гражданского состояния", (99.5, 99.9, 99.0), None, "2026-10-01"),
        ("M_EGRN", "Витрина ЕГРН (СМЭВ4)", "smev4", "ROSREESTR", "FGIS_EGRN", ["DS_EGRN_OBJECTS"],
         "Сведения об объектах недвижимости и правах", (98.0, 99.0, 97.0), None, "2026-08-20"),
        ("M_EGRUL", "Витрина ЕГРЮЛ/ЕГРИП (СМЭВ4)", "smev4", "FNS", "FNS_EGRUL", ["DS_EGRUL"],
         "Выписки о юридических лицах и индивидуальных предпринимателях", (99.0, 99.5, 98.5), None, "2026-10-12"),
        ("M_INCOME", "Витрина «Доходы граждан» Социального фонда", "smev4", "SFR", "EGISSO", ["DS_INCOME"],
         "Сведения о доходах для оценки нуждаемости", (94.0, 97.0, 85.0), None, "2025-06-30"),
        ("M_FRI", "Витрина ФРИ (СМЭВ4)", "smev4", "SFR", "FRI", ["DS_DISABILITY"],
         "Сведения об инвалидности", (97.0, 98.5, 95.0), None, "2026-07-01"),
        ("M_GISGMP", "Витрина ГИС ГМП (СМЭВ4)", "smev4", "KAZNA", "GISGMP", ["DS_PAYMENTS"],
         "Сведения об уплате государственной пошлины", (99.9, 99.9, 99.9), None, "2026-11-02"),
        ("M_LICENSES", "Витрина «Лицензии и разрешения Приволжской области»", "agency", "MINPROM", "LICENSING",
         ["DS_LICENSES", "DS_TAXI"], "Сведения о действующих лицензиях и разрешениях", (92.0, 95.0, 88.0),
         "p_minprom_3", "2026-05-12"),
        ("M_GRAD", "Витрина градостроительных данных", "agency", "MINSTROY", "ISOGD", ["DS_BUILD_PERMITS"],
         "Разрешения на строительство и ГПЗУ", (85.0, 90.0, 70.0), "p_minstroy_3", "2024-12-10"),
        ("M_EDU", "Витрина «Контингент обучающихся»", "smev4", "MINOBR", "EDU_SCHOOL", ["DS_PUPILS", "DS_KINDERGARTEN_QUEUE"],
         "Сведения об обучении и очереди в детские сады", (97.0, 96.0, 94.0), "p_minobr_3", "2026-09-01"),
        ("M_HEALTH", "Витрина «Прикреплённое население»", "agency", "MINZDRAV", "RMIS", ["DS_ATTACHED"],
         "Сведения о прикреплении к медицинским организациям", (None, None, None), None, None),
        ("M_PROPERTY", "Витрина «Имущество и земля Приволжской области»", "agency", "MINIMUSH", "PROPERTY",
         ["DS_PROPERTY_REGISTER", "DS_LAND_LEASES"], "Сведения об областном имуществе и аренде",
         (88.0, 93.0, 80.0), "p_minimush_3", "2025-03-14"),
        ("M_EMPLOY", "Витрина «Занятость»", "smev4", "MINTRUD", "EMPLOY", ["DS_UNEMPLOYED"],
         "Сведения о признании безработным и пособии", (95.0, 97.0, 92.0), "p_mintrud_3", "2026-10-20"),
    ]
]

# --- services and their processes -------------------------------------------
#
# A service expands into the processes of the register: reception, interagency requests,
# decision, issuing the result (or the steps given explicitly). Inputs name a dataset and how it
# arrives; "paper" inputs of data some mart exposes are what the architect should find.

STEPS = [
    "Приём и регистрация заявления о {obj}",
    "Межведомственные запросы по заявлению о {obj}",
    "Рассмотрение документов и принятие решения о {obj}",
    "Выдача заявителю результата: {result}",
]

_SERVICES = [
    # code, agency, name, kind, mszu, life situations, acts, group, typical, system, object (prepositional),
    # result, inputs [(dataset, transport)], output dataset, status per step, channels
    ("S_CHILD_PAY", "MINSOC", "Назначение ежемесячной денежной выплаты на ребёнка в возрасте от трёх до семи лет",
     "service", True, ["LS_BIRTH", "LS_LARGE_FAMILY"], ["FZ_81", "RZ_SOC", "AR_SOC_CHILD"], "G_SOC", "T_SOC_ASSIGN",
     "ASP", "назначении выплаты на ребёнка", "решение о назначении выплаты",
     [("DS_ZAGS_BIRTH", "smev"), ("DS_INCOME", "paper"), ("DS_EGRN_OBJECTS", "smev")], "DS_SOCIAL_RECIPIENTS",
     ["reengineered", "reengineering", "reengineering", "sent_certification"], ["epgu", "rpgu"]),
    ("S_LARGE_FAMILY", "MINSOC", "Выдача удостоверения многодетной семьи", "service", True, ["LS_LARGE_FAMILY"],
     ["RZ_LARGE"], "G_SOC", "T_SOC_STATUS", "ASP", "выдаче удостоверения многодетной семьи",
     "удостоверение многодетной семьи", [("DS_ZAGS_BIRTH", "paper"), ("DS_PUPILS", "paper")], "DS_LARGE_FAMILIES",
     ["researching", "queued_reengineering", "queued_reengineering", "researching"], ["rpgu"]),
    ("S_DISABLED_COMP", "MINSOC", "Предоставление компенсации расходов на оплату жилого помещения и коммунальных "
     "услуг инвалидам", "service", True, ["LS_DISABILITY"], ["FZ_181", "RZ_SOC"], "G_SOC", "T_SOC_PAY", "ASP",
     "предоставлении компенсации расходов на ЖКУ", "решение о предоставлении компенсации",
     [("DS_DISABILITY", "paper"), ("DS_HOUSES", "smev"), ("DS_EGRN_OBJECTS", "smev")], "DS_SOCIAL_RECIPIENTS",
     ["queued_research", "queued_research", "researching", "queued_research"], ["epgu"]),
    ("S_FUNERAL", "MINSOC", "Выплата социального пособия на погребение", "service", False, ["LS_LOSS"], ["RZ_SOC"],
     "G_SOC", "T_SOC_PAY", "ASP", "выплате пособия на погребение", "выплата пособия",
     [("DS_ZAGS_DEATH", "paper")], "DS_PAYMENT_ORDERS", ["queued_research"] * 4, []),
    ("S_PENSIONER_SUPPORT", "MINSOC", "Присвоение звания «Ветеран труда Приволжской области»", "service", True,
     ["LS_PENSION"], ["RZ_SOC"], "G_SOC", "T_SOC_STATUS", "ASP", "присвоении звания «Ветеран труда»",
     "удостоверение ветерана труда", [("DS_INCOME", "smev"), ("DS_STAFF", "paper")], "DS_SOCIAL_RECIPIENTS",
     ["researching", "queued_research", "queued_research", "queued_research"], ["rpgu"]),
    ("S_SOC_PAYOUT", "CSV", "Организация выплаты назначенных мер социальной поддержки", "function", False,
     ["LS_BIRTH", "LS_DISABILITY"], ["RZ_SOC"], "G_SOC", "T_SOC_PAY", "ASP", "выплате назначенных мер поддержки",
     "выплатные документы в кредитную организацию", [("DS_SOCIAL_RECIPIENTS", "api")], "DS_PAYMENT_ORDERS",
     ["reengineering", "reengineering", "reengineered", "reengineered"], []),
    ("S_MED_ATTACH", "MINZDRAV", "Прикрепление к медицинской организации для оказания первичной медико-санитарной "
     "помощи", "service", True, ["LS_MOVING", "LS_BIRTH"], ["FZ_210"], "G_EDU", "T_MED_ATTACH", "RMIS",
     "прикреплении к поликлинике", "уведомление о прикреплении", [("DS_APPLICANTS", "api")], "DS_ATTACHED",
     ["reengineered", "sent_certification", "certified", "certified"], ["epgu"]),
    ("S_MED_CERT", "MINZDRAV", "Выдача медицинского свидетельства о рождении", "function", False, ["LS_BIRTH"],
     ["FZ_143"], "G_REGISTRY", "T_REG_RECORD", "RMIS", "выдаче медицинского свидетельства о рождении",
     "медицинское свидетельство о рождении", [("DS_ATTACHED", "api")], "DS_MED_CERTS",
     ["reengineering", "reengineering", "researching", "reengineering"], []),
    ("S_LICENSE_PHARMA", "MINZDRAV", "Лицензирование фармацевтической деятельности", "service", False,
     ["LS_BUSINESS"], ["FZ_99"], "G_LIC", "T_LIC_ISSUE", "LICENSING", "выдаче лицензии на фармацевтическую "
     "деятельность", "лицензия на фармацевтическую деятельность", [("DS_EGRUL", "smev"), ("DS_PAYMENTS", "smev"),
                                                                    ("DS_EGRN_OBJECTS", "paper")], "DS_LICENSES",
     ["queued_reengineering", "queued_reengineering", "researching", "queued_reengineering"], ["epgu"]),
    ("S_SCHOOL_ENROLL", "MINOBR", "Зачисление в государственные общеобразовательные организации", "service", True,
     ["LS_SCHOOL"], ["FZ_273"], "G_EDU", "T_EDU_ENROLL", "EDU_SCHOOL", "зачислении в школу",
     "приказ о зачислении", [("DS_ZAGS_BIRTH", "smev"), ("DS_APPLICANTS", "manual")], "DS_PUPILS",
     ["certified", "certified", "sent_certification", "certified"], ["epgu", "rpgu"]),
    ("S_KINDERGARTEN", "MINOBR", "Постановка на учёт и направление детей в детские сады", "service", True,
     ["LS_KINDERGARTEN", "LS_BIRTH"], ["FZ_273", "AR_KINDERGARTEN"], "G_REGISTRY", "T_REG_QUEUE", "EDU_SCHOOL",
     "постановке на учёт в детский сад", "направление в детский сад",
     [("DS_ZAGS_BIRTH", "smev"), ("DS_LARGE_FAMILIES", "paper"), ("DS_APPLICANTS", "manual")], "DS_KINDERGARTEN_QUEUE",
     ["reengineered", "reengineering", "reengineering", "reengineered"], ["epgu", "rpgu"]),
    ("S_EDU_LICENSE", "MINOBR", "Лицензирование образовательной деятельности", "service", False, ["LS_BUSINESS"],
     ["FZ_99", "FZ_273"], "G_LIC", "T_LIC_ISSUE", "LICENSING", "выдаче лицензии на образовательную деятельность",
     "выписка из реестра лицензий", [("DS_EGRUL", "smev"), ("DS_EGRN_OBJECTS", "smev"), ("DS_PAYMENTS", "smev")],
     "DS_LICENSES", ["researching", "researching", "queued_research", "queued_research"], ["epgu"]),
    ("S_BUILD_PERMIT", "MINSTROY", "Выдача разрешения на строительство", "service", True, ["LS_HOUSE", "LS_BUSINESS"],
     ["GK_RF", "AR_BUILD"], "G_PERMIT", "T_PERMIT_ISSUE", "ISOGD", "выдаче разрешения на строительство",
     "разрешение на строительство", [("DS_EGRN_OBJECTS", "smev"), ("DS_EGRUL", "smev"), ("DS_LAND_LEASES", "paper")],
     "DS_BUILD_PERMITS", ["reengineering", "queued_reengineering", "reengineering", "reengineering"], ["epgu"]),
    ("S_COMMISSIONING", "MINSTROY", "Выдача разрешения на ввод объекта в эксплуатацию", "service", True,
     ["LS_HOUSE", "LS_BUSINESS"], ["GK_RF"], "G_PERMIT", "T_PERMIT_ISSUE", "ISOGD",
     "выдаче разрешения на ввод объекта в эксплуатацию", "разрешение на ввод объекта в эксплуатацию",
     [("DS_BUILD_PERMITS", "api"), ("DS_EGRN_OBJECTS", "smev"), ("DS_INSPECTIONS", "paper")], "DS_BUILD_PERMITS",
     ["queued_research", "queued_research", "researching", "queued_research"], ["epgu"]),
    ("S_GPZU", "MINSTROY", "Выдача градостроительного плана земельного участка", "service", True, ["LS_HOUSE"],
     ["GK_RF"], "G_PERMIT", "T_PERMIT_APPROVE", "ISOGD", "выдаче градостроительного плана",
     "градостроительный план земельного участка", [("DS_EGRN_OBJECTS", "smev"), ("DS_MUN_LAND", "paper")],
     "DS_BUILD_PERMITS", ["reengineered", "reengineered", "reengineered", "sent_certification"], ["epgu"]),
    ("S_ALC_LICENSE", "MINPROM", "Лицензирование розничной продажи алкогольной продукции", "service", True,
     ["LS_BUSINESS"], ["FZ_171", "FZ_99", "AR_ALC"], "G_LIC", "T_LIC_ISSUE", "LICENSING",
     "выдаче лицензии на розничную продажу алкогольной продукции", "лицензия (запись в реестре лицензий)",
     [("DS_EGRUL", "smev"), ("DS_PAYMENTS", "smev"), ("DS_EGRN_OBJECTS", "smev"), ("DS_ALCO_TURNOVER", "smev")],
     "DS_LICENSES", ["reengineered", "reengineering", "reengineering", "reengineered"], ["epgu", "rpgu"]),
    ("S_ALC_RENEW", "MINPROM", "Переоформление лицензии на розничную продажу алкогольной продукции", "service", False,
     ["LS_BUSINESS"], ["FZ_171", "AR_ALC"], "G_LIC", "T_LIC_RENEW", "ASUL_OLD", "переоформлении лицензии",
     "переоформленная лицензия", [("DS_EGRUL", "paper"), ("DS_LICENSES", "manual"), ("DS_PAYMENTS", "smev")],
     "DS_LICENSES", ["queued_research", "queued_research", "queued_research", "queued_research"], ["rpgu"]),
    ("S_ALC_DECLARATION", "MINPROM", "Приём деклараций об объёме розничной продажи алкогольной продукции", "function",
     False, ["LS_BUSINESS"], ["FZ_171"], "G_CONTROL", "T_CONTROL_PREVENT", "EGAIS", "приёме деклараций",
     "уведомление о принятии декларации", [("DS_ALCO_TURNOVER", "api")], "DS_ALCO_TURNOVER",
     ["researching", "researching", "queued_research", "queued_research"], ["agency_site"]),
    ("S_TAXI", "MINTRANS", "Внесение сведений в региональный реестр перевозчиков легковым такси", "service", True,
     ["LS_CAR", "LS_BUSINESS"], ["FZ_580", "AR_TAXI"], "G_PERMIT", "T_PERMIT_ISSUE", "LICENSING",
     "внесении сведений в реестр перевозчиков такси", "запись в реестре перевозчиков",
     [("DS_EGRUL", "smev"), ("DS_PAYMENTS", "smev")], "DS_TAXI",
     ["reengineered", "sent_certification", "reengineered", "sent_certification"], ["epgu"]),
    ("S_OVERSIZE", "MINTRANS", "Выдача специального разрешения на движение тяжеловесного транспортного средства",
     "service", False, ["LS_CAR"], ["FZ_210"], "G_PERMIT", "T_PERMIT_ISSUE", "LICENSING",
     "выдаче специального разрешения на перевозку", "специальное разрешение",
     [("DS_EGRUL", "smev"), ("DS_PAYMENTS", "paper")], "DS_TAXI",
     ["queued_research", "queued_research", "queued_research", "queued_research"], ["epgu"]),
    ("S_LAND_LEASE", "MINIMUSH", "Предоставление земельного участка, находящегося в собственности области, в аренду без "
     "торгов", "service", True, ["LS_HOUSE", "LS_FARM"], ["ZK_RF"], "G_PROPERTY", "T_LAND_LEASE", "PROPERTY",
     "предоставлении земельного участка в аренду", "договор аренды земельного участка",
     [("DS_EGRN_OBJECTS", "smev"), ("DS_EGRUL", "smev"), ("DS_PROPERTY_REGISTER", "api")], "DS_LAND_LEASES",
     ["researching", "queued_reengineering", "researching", "researching"], ["epgu"]),
    ("S_PROPERTY_EXTRACT", "MINIMUSH", "Предоставление выписки из реестра имущества Приволжской области", "service",
     False, ["LS_HOUSING"], ["FZ_210"], "G_INFO", "T_INFO_EXTRACT", "PROPERTY", "предоставлении выписки из реестра "
     "имущества", "выписка из реестра имущества", [("DS_PROPERTY_REGISTER", "api")], "DS_PROPERTY_REGISTER",
     ["reengineered", "reengineered", "certified", "certified"], ["rpgu"]),
    ("S_AGRO_SUBSIDY", "MINSELHOZ", "Предоставление субсидий на поддержку растениеводства", "service", False,
     ["LS_FARM"], ["RP_SUBSIDY_AGRO"], "G_SUPPORT", "T_GRANT", "AGRO", "предоставлении субсидии на растениеводство",
     "соглашение о предоставлении субсидии", [("DS_EGRUL", "smev"), ("DS_EGRN_OBJECTS", "paper"),
                                              ("DS_PAYMENTS", "smev")], "DS_AGRO_SUBSIDIES",
     ["queued_research", "queued_research", "queued_research", "queued_research"], ["agency_site"]),
    ("S_AGRO_REPORT", "MINSELHOZ", "Приём отчётности получателей субсидий АПК", "function", False, ["LS_FARM"],
     ["RP_SUBSIDY_AGRO"], "G_SUPPORT", "T_GRANT_REPORT", "SED", "приёме отчётности получателя субсидии",
     "акт проверки отчётности", [("DS_AGRO_SUBSIDIES", "manual")], "DS_AGRO_SUBSIDIES",
     ["queued_research"] * 4, []),
    ("S_HUNT_PERMIT", "MINPRIRODA", "Выдача разрешений на добычу охотничьих ресурсов", "service", True,
     ["LS_NATURE"], ["FZ_210"], "G_PERMIT", "T_PERMIT_ISSUE", "LICENSING", "выдаче разрешения на добычу охотничьих "
     "ресурсов", "разрешение на добычу", [("DS_HUNTERS", "manual"), ("DS_PAYMENTS", "smev")], "DS_NATURE_PERMITS",
     ["reengineering", "reengineering", "reengineering", "reengineering"], ["epgu"]),
    ("S_HUNTER_TICKET", "MINPRIRODA", "Выдача охотничьего билета единого федерального образца", "service", True,
     ["LS_NATURE"], ["FZ_210"], "G_REGISTRY", "T_REG_RECORD", "SED", "выдаче охотничьего билета", "охотничий билет",
     [("DS_APPLICANTS", "manual")], "DS_HUNTERS", ["researching", "queued_research", "researching", "researching"],
     ["epgu"]),
    ("S_UNEMPLOYED", "MINTRUD", "Регистрация гражданина в качестве безработного и назначение пособия", "service",
     True, ["LS_JOB"], ["FZ_210"], "G_SOC", "T_SOC_ASSIGN", "EMPLOY", "признании безработным",
     "решение о признании безработным и назначении пособия", [("DS_INCOME", "smev"), ("DS_STAFF", "paper")],
     "DS_UNEMPLOYED", ["reengineered", "reengineered", "sent_certification", "reengineered"], ["epgu"]),
    ("S_JOB_SEARCH", "CZN", "Содействие гражданам в поиске подходящей работы", "service", True, ["LS_JOB"],
     ["FZ_210"], "G_SOC", "T_SOC_ASSIGN", "EMPLOY", "содействии в поиске работы", "направление на работу",
     [("DS_UNEMPLOYED", "api"), ("DS_VACANCIES", "api")], "DS_UNEMPLOYED",
     ["reengineering", "reengineering", "researching", "reengineering"], ["epgu"]),
    ("S_BIRTH_REG", "ZAGS", "Государственная регистрация рождения", "service", True, ["LS_BIRTH"], ["FZ_143"],
     "G_REGISTRY", "T_REG_ACT", "EGR_ZAGS", "государственной регистрации рождения", "свидетельство о рождении",
     [("DS_MED_CERTS", "paper"), ("DS_APPLICANTS", "manual")], "DS_ZAGS_BIRTH",
     ["certified", "certified", "certified", "certified"], ["epgu"]),
    ("S_MARRIAGE_REG", "ZAGS", "Государственная регистрация заключения брака", "service", True, ["LS_MARRIAGE"],
     ["FZ_143"], "G_REGISTRY", "T_REG_ACT", "EGR_ZAGS", "государственной регистрации заключения брака",
     "свидетельство о заключении брака", [("DS_PAYMENTS", "smev")], "DS_ZAGS_MARRIAGE",
     ["sent_certification", "reengineered", "sent_certification", "sent_certification"], ["epgu"]),
    ("S_DEATH_REG", "ZAGS", "Государственная регистрация смерти", "service", True, ["LS_LOSS"], ["FZ_143"],
     "G_REGISTRY", "T_REG_ACT", "EGR_ZAGS", "государственной регистрации смерти", "свидетельство о смерти",
     [("DS_MED_CERTS", "paper")], "DS_ZAGS_DEATH", ["reengineered", "reengineered", "reengineered", "reengineered"],
     ["epgu"]),
    ("S_HOUSING_LICENSE", "GZHI", "Лицензирование предпринимательской деятельности по управлению многоквартирными "
     "домами", "service", False, ["LS_BUSINESS"], ["FZ_99"], "G_LIC", "T_LIC_ISSUE", "CONTROL",
     "выдаче лицензии на управление многоквартирными домами", "лицензия управляющей организации",
     [("DS_EGRUL", "smev"), ("DS_PAYMENTS", "smev"), ("DS_HOUSES", "api")], "DS_HOUSING_LICENSES",
     ["researching", "researching", "researching", "researching"], ["epgu"]),
    ("S_MUN_NOTICE", "ADM_PRIVOLZHSK", "Рассмотрение уведомления о планируемом строительстве индивидуального жилого "
     "дома", "service", True, ["LS_HOUSE"], ["GK_RF"], "G_PERMIT", "T_PERMIT_NOTICE", "MUN_PRIVOLZHSK",
     "планируемом строительстве жилого дома", "уведомление о соответствии параметров",
     [("DS_EGRN_OBJECTS", "paper"), ("DS_APPLICANTS", "manual"), ("DS_BUILD_PERMITS", "paper")], "DS_HOUSE_NOTICES",
     ["queued_research", "queued_research", "queued_research", "queued_research"], ["epgu"]),
    ("S_MUN_LAND", "ADM_ZARECHNY", "Предоставление земельного участка многодетной семье", "service", True,
     ["LS_LARGE_FAMILY", "LS_HOUSE"], ["ZK_RF", "RZ_LARGE"], "G_PROPERTY", "T_LAND_LEASE", "MUN_PRIVOLZHSK",
     "предоставлении земельного участка многодетной семье", "постановление о предоставлении участка",
     [("DS_LARGE_FAMILIES", "paper"), ("DS_EGRN_OBJECTS", "smev"), ("DS_APPLICANTS", "manual")], "DS_MUN_LAND",
     ["queued_research", "queued_research", "queued_research", "queued_research"], ["epgu"]),
    ("S_MFC_RECEPTION", "MFC", "Приём заявлений и выдача результатов услуг в многофункциональном центре", "function",
     False, ["LS_BIRTH", "LS_HOUSE", "LS_PENSION"], ["PP_1376", "FZ_210"], "G_ADMIN", "T_DOCFLOW", "AIS_MFC",
     "приёме документов в МФЦ", "результат услуги, выданный в МФЦ", [("DS_APPLICANTS", "manual")], "DS_APPLICATIONS",
     ["reengineering", "reengineering", "reengineered", "reengineering"], []),
]

# Control functions: one decision-making cycle each.
_CONTROL = [
    ("F_CONTROL_REG", "MINEK", "Региональный государственный контроль в сфере розничной продажи алкогольной продукции",
     "DS_LICENSES"),
    ("F_HOUSING_CONTROL", "GZHI", "Региональный государственный жилищный контроль (надзор)", "DS_HOUSES"),
    ("F_ECO_CONTROL", "MINPRIRODA", "Региональный государственный экологический контроль (надзор)", "DS_NATURE_PERMITS"),
    ("F_TRANSPORT_CONTROL", "MINTRANS", "Региональный государственный контроль на автомобильном транспорте", "DS_TAXI"),
    ("F_MED_CONTROL", "MINZDRAV", "Ведомственный контроль качества и безопасности медицинской деятельности",
     "DS_ATTACHED"),
]
_CONTROL_STEPS = [
    ("Планирование контрольных (надзорных) мероприятий: {name}", "T_CONTROL_PLAN", "researching"),
    ("Проведение контрольного (надзорного) мероприятия: {name}", "T_CONTROL_EVENT", "queued_research"),
    ("Профилактика нарушений обязательных требований: {name}", "T_CONTROL_PREVENT", "queued_reengineering"),
]

# Supporting processes every executive body has.
_SUPPORT = [
    ("Кадровый учёт и прохождение государственной гражданской службы", "T_HR", "DS_STAFF", "queued_research"),
    ("Планирование и проведение закупок товаров, работ, услуг", "T_PROCUREMENT", "DS_PROCUREMENTS", "researching"),
    ("Регистрация и рассмотрение обращений граждан", "T_APPEALS", "DS_APPEALS", "queued_reengineering"),
]

SERVICES = []
PROCESSES = []
_counters: dict[str, int] = {}


def _next_id(agency: str) -> str:
    _counters[agency] = _counters.get(agency, 0) + 1
    number = _counters[agency]
    # Registers keep identifiers as agencies write them: most number with zeros, two use prefixes.
    if agency == "MINZDRAV":
        return f"МЗ-{number:02d}"
    if agency == "ZAGS":
        return f"ЗАГС.{number}"
    return f"{number:03d}"


for (code, agency, name, kind, mszu, situations, acts, group, typical, system, obj, result, inputs, output,
     statuses, channels) in _SERVICES:
    SERVICES.append({"code": code, "name": name, "kind": kind, "is_mszu": mszu, "agency": agency,
                     "life_situations": situations, "description": f"{name}. Результат: {result}."})
    keys = []
    for step, (template, status) in enumerate(zip(STEPS, statuses)):
        registry_id = _next_id(agency)
        keys.append(f"{agency}:{registry_id}")
        reception = step == 0
        process = {
            "agency": agency, "registry_id": registry_id, "name": template.format(obj=obj, result=result),
            "service": code, "group": group, "typical": typical,
            "responsible": f"p_{agency.lower()}_{2 if step < 3 else 1}", "status": status,
            "process_type": "inter_agency" if step == 1 else "intra_agency",
            "category": "main", "client": "Заявитель — физическое лицо" if kind == "service" else "Исполнительный орган",
            "client_value": f"Получить результат «{result}» быстро и без повторного представления документов",
            "inputs": "Заявление и документы заявителя" if reception else
                      "; ".join(next(d["name"] for d in DATASETS if d["code"] == ds) for ds, _ in inputs),
            "outputs": result if step == 3 else ("Зарегистрированное заявление" if reception else "Проект решения"),
            "is_digital": bool(channels), "channels": channels if reception or step == 3 else [],
            "life_situations": situations if reception else [], "acts": acts,
            "consumes": [], "produces": [], "automated_by": [system], "linked": [],
        }
        if reception:
            process["consumes"].append({"dataset": "DS_APPLICANTS",
                                        "transport": "manual" if "epgu" not in channels else "api",
                                        "frequency": "on_request"})
            process["produces"].append({"dataset": "DS_APPLICATIONS", "transport": "api", "frequency": "on_request"})
            # Reception runs in the МФЦ system and the agency's own: the same applicant typed twice.
            process["automated_by"] = [system, "AIS_MFC"] + (["EPGU"] if "epgu" in channels else []) + (
                ["RPGU"] if "rpgu" in channels else [])
        elif step == 1:
            process["consumes"] += [{"dataset": ds, "transport": t, "frequency": "on_request"} for ds, t in inputs]
            process["automated_by"] = [system, "SMEV"]
        elif step == 2:
            process["consumes"] += [{"dataset": ds, "transport": "api", "frequency": "on_request"}
                                    for ds, t in inputs if t != "paper"]
            process["produces"].append({"dataset": output, "transport": "api", "frequency": "on_request"})
        else:
            process["consumes"].append({"dataset": output, "transport": "api", "frequency": "on_request"})
            if kind == "service":
                process["automated_by"] = [system, "SED"]
        PROCESSES.append(process)
    for previous, current in zip(keys, keys[1:]):
        next(p for p in PROCESSES if f"{p['agency']}:{p['registry_id']}" == current)["linked"].append(previous)

for code, agency, name, dataset in _CONTROL:
    SERVICES.append({"code": code, "name": name, "kind": "function", "is_mszu": False, "agency": agency,
                     "life_situations": [], "description": name})
    short = name[0].lower() + name[1:]
    for template, typical, status in _CONTROL_STEPS:
        PROCESSES.append({
            "agency": agency, "registry_id": _next_id(agency), "name": template.format(name=short), "service": code,
            "group": "G_CONTROL", "typical": typical, "responsible": f"p_{agency.lower()}_2", "status": status,
            "process_type": "intra_agency", "category": "main", "client": "Контролируемое лицо",
            "client_value": "Понятные требования и отсутствие лишних проверок", "inputs": "План проверок; сведения реестра",
            "outputs": "Акт контрольного мероприятия", "is_digital": True, "channels": [], "life_situations": [],
            "acts": ["FZ_248"],
            "consumes": [{"dataset": dataset, "transport": "api", "frequency": "daily"},
                         {"dataset": "DS_EGRUL", "transport": "smev", "frequency": "on_request"}],
            "produces": [{"dataset": "DS_INSPECTIONS", "transport": "api", "frequency": "on_request"}],
            "automated_by": ["CONTROL", "ERKNM"], "linked": [],
        })

_SUPPORT_AGENCIES = [a for a in REGIONAL if a not in ("ADM_PRIVOLZHSK", "ADM_ZARECHNY", "CSV", "CZN")]
for agency in _SUPPORT_AGENCIES:
    code = f"F_ADMIN_{agency}"
    SERVICES.append({"code": code, "name": f"Обеспечение деятельности: {next(a[2] for a in _AGENCIES if a[0] == agency)}",
                     "kind": "function", "is_mszu": False, "agency": agency, "life_situations": [],
                     "description": "Обеспечивающие процессы органа"})
    for name, typical, dataset, status in _SUPPORT:
        PROCESSES.append({
            "agency": agency, "registry_id": _next_id(agency), "name": name, "service": code, "group": "G_ADMIN",
            "typical": typical, "responsible": f"p_{agency.lower()}_1", "status": status,
            "process_type": "intra_agency", "category": "supporting", "client": "Сотрудники органа",
            "client_value": "Своевременное обеспечение работы органа", "inputs": "Служебные документы",
            "outputs": "Решение, приказ, ответ", "is_digital": True, "channels": [], "life_situations": [],
            "acts": ["FZ_149"] if typical != "T_APPEALS" else ["FZ_210"],
            "consumes": [{"dataset": dataset, "transport": "manual" if typical == "T_HR" else "api",
                          "frequency": "daily"}],
            "produces": [{"dataset": dataset, "transport": "api", "frequency": "daily"}],
            "automated_by": ["SED"], "linked": [],
        })

# Interagency chains: the result of one service starts another.
_CHAINS = [("S_BIRTH_REG", "S_CHILD_PAY"), ("S_BIRTH_REG", "S_MED_ATTACH"), ("S_LARGE_FAMILY", "S_MUN_LAND"),
           ("S_GPZU", "S_BUILD_PERMIT"), ("S_BUILD_PERMIT", "S_COMMISSIONING"), ("S_UNEMPLOYED", "S_JOB_SEARCH"),
           ("S_CHILD_PAY", "S_SOC_PAYOUT"), ("S_ALC_LICENSE", "F_CONTROL_REG"), ("S_DEATH_REG", "S_FUNERAL")]
for _before, _after in _CHAINS:
    _last = [p for p in PROCESSES if p["service"] == _before][-1]
    _first = [p for p in PROCESSES if p["service"] == _after][0]
    _first["linked"].append(f"{_last['agency']}:{_last['registry_id']}")
