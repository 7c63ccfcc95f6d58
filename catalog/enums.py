"""Closed vocabularies of the catalogue, with the Russian labels the documents use.

Values are stored as their ASCII keys; labels are what pages and reports show.
The order of members is meaningful where the regulation gives an order
(reengineering statuses, life-cycle stages).
"""
from __future__ import annotations

from enum import Enum


class LabeledEnum(str, Enum):
    """A string enum whose members carry a Russian label."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def label_of(cls, value: str | None) -> str:
        if value is None:
            return ""
        try:
            return cls(value).label
        except ValueError:
            return value


class ProcessStatus(LabeledEnum):
    """Reengineering status, Kemerovo register rules 2.1 «и», in their order."""

    QUEUED_RESEARCH = "queued_research", "в очереди на исследование"
    RESEARCHING = "researching", "идет исследование"
    QUEUED_REENGINEERING = "queued_reengineering", "в очереди на реинжиниринг"
    REENGINEERING = "reengineering", "проходит реинжиниринг"
    REENGINEERED = "reengineered", "прошел реинжиниринг"
    SENT_CERTIFICATION = "sent_certification", "отправлен на сертификацию"
    CERTIFIED = "certified", "сертифицирован"

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)


class AgencyKind(LabeledEnum):
    EXECUTIVE = "executive", "исполнительный орган (ОИВ)"
    SUBORDINATE = "subordinate", "подведомственное учреждение"
    MUNICIPALITY = "municipality", "орган местного самоуправления (ОМСУ)"
    FEDERAL = "federal", "федеральный орган"
    OTHER = "other", "иная организация"
    # Leningrad 2.13: the process office is a department of the Committee; its head agrees roadmaps
    # (4.3 п. 7, 4.4) and signs conclusions on system requests (8.4).
    PROCESS_OFFICE = "process_office", "процессный офис"


class ServiceKind(LabeledEnum):
    SERVICE = "service", "услуга"
    FUNCTION = "function", "функция"
    DIGITAL_SERVICE = "digital_service", "сервис"


class ActKind(LabeledEnum):
    FEDERAL_LAW = "federal_law", "федеральный закон"
    GOVERNMENT_DECREE = "government_decree", "постановление Правительства РФ"
    REGIONAL_LAW = "regional_law", "закон субъекта РФ"
    REGIONAL_DECREE = "regional_decree", "постановление правительства области"
    ADMIN_REGULATION = "admin_regulation", "административный регламент"
    ORDER = "order", "приказ"
    OTHER = "other", "иной акт"


class ProcessType(LabeledEnum):
    INTER_AGENCY = "inter_agency", "межведомственный"
    INTRA_AGENCY = "intra_agency", "внутриведомственный"


class ProcessCategory(LabeledEnum):
    MAIN = "main", "основной"
    SUPPORTING = "supporting", "обеспечивающий"
    MANAGEMENT = "management", "управленческий"


class Channel(LabeledEnum):
    """Kemerovo 2.1 «с»: where the digital process is placed; the digital points of Kemerovo 1.1:
    «официальные сайты (порталы), мобильные приложения, социальные сети, мессенджеры, чат-боты,
    голосовые помощники, колл-центры»."""

    EPGU = "epgu", "ЕПГУ"
    RPGU = "rpgu", "РПГУ"
    AGENCY_SITE = "agency_site", "сайт ведомства"
    MOBILE_APP = "mobile_app", "мобильное приложение"
    SOCIAL_NETWORK = "social_network", "социальные сети"
    MESSENGER = "messenger", "мессенджер"
    CHAT_BOT = "chat_bot", "чат-бот"
    VOICE_ASSISTANT = "voice_assistant", "голосовой помощник"
    CALL_CENTRE = "call_centre", "колл-центр"


class ConsumerScope(LabeledEnum):
    """Leningrad 2.5–2.6: who uses a process's result."""

    INTERNAL = "internal", "внутренний потребитель"
    EXTERNAL = "external", "внешний потребитель"


class ApplicantCategory(LabeledEnum):
    """External consumers by category (Leningrad 2.6: физические, юридические лица, органы власти, ОМСУ)."""

    CITIZENS = "citizens", "физические лица"
    ENTREPRENEURS = "entrepreneurs", "индивидуальные предприниматели"
    LEGAL_ENTITIES = "legal_entities", "юридические лица"
    AUTHORITIES = "authorities", "органы государственной власти"
    MUNICIPALITIES = "municipalities", "органы местного самоуправления"
    OTHER = "other", "иные"


class SystemLegalKind(LabeledEnum):
    FEDERAL = "federal", "федеральная"
    REGIONAL = "regional", "региональная"
    MUNICIPAL = "municipal", "муниципальная"
    OTHER = "other", "иная"


class SystemStage(LabeledEnum):
    CREATION = "creation", "создание"
    OPERATION = "operation", "эксплуатация"
    DEVELOPMENT = "development", "развитие"
    DECOMMISSIONING = "decommissioning", "вывод из эксплуатации"


class MartKind(LabeledEnum):
    SMEV4 = "smev4", "витрина СМЭВ4"
    AGENCY = "agency", "ведомственная витрина"


class MartStage(LabeledEnum):
    """Whether a mart serves data yet: only a mart in operation answers for its quality (Samara 3 п. 12)."""

    DESIGN = "design", "проектируется"
    OPERATION = "operation", "в эксплуатации"
    RETIRED = "retired", "выведена из эксплуатации"


class MartQuality(LabeledEnum):
    """How a mart's declared quality stands today (the stage facet of search, the reports)."""

    CHECKED = "checked", "качество подтверждено"
    STALE = "stale", "проверка качества устарела"
    MISSING = "missing", "качество не заявлено"


class DataType(LabeledEnum):
    STRING = "string", "строка"
    INTEGER = "integer", "целое число"
    DECIMAL = "decimal", "число"
    DATE = "date", "дата"
    DATETIME = "datetime", "дата и время"
    BOOLEAN = "boolean", "да/нет"
    REFERENCE = "reference", "ссылка на справочник"
    DOCUMENT = "document", "документ"


class EntityKind(LabeledEnum):
    """What an entity was read from (issue 20: harvested databases, SMEV XSD)."""

    TABLE = "table", "таблица"
    VIEW = "view", "представление"
    COMPLEX_TYPE = "complex_type", "составной тип XSD"
    ELEMENT = "element", "элемент XSD"


class PersonalData(LabeledEnum):
    """Categories of personal data, 152-FZ «О персональных данных»: art. 3 (any information about a
    person), art. 10 (special: race, nationality, politics, religion, health, intimate life),
    art. 11 (biometric)."""

    NONE = "none", "не персональные данные"
    GENERAL = "general", "общие"
    SPECIAL = "special", "специальные"
    BIOMETRIC = "biometric", "биометрические"


class ValueCheck(LabeledEnum):
    """How a mart's measured accuracy checks an attribute's values (issue 20): the control digits of the
    Russian identifiers, or the pattern the attribute declares."""

    SNILS = "snils", "СНИЛС (контрольное число)"
    INN = "inn", "ИНН (10 или 12 цифр, контрольные цифры)"
    OGRN = "ogrn", "ОГРН или ОГРНИП (13 или 15 цифр, контрольная цифра)"
    KPP = "kpp", "КПП (формат)"
    PATTERN = "pattern", "шаблон (регулярное выражение)"


class Transport(LabeledEnum):
    """How data moves along a link."""

    SMEV = "smev", "СМЭВ"
    API = "api", "API"
    FILE = "file", "файл"
    PAPER = "paper", "бумага, письмо"
    MANUAL = "manual", "ручной повторный ввод"


class Frequency(LabeledEnum):
    ON_REQUEST = "on_request", "по запросу"
    REALTIME = "realtime", "в реальном времени"
    DAILY = "daily", "ежедневно"
    WEEKLY = "weekly", "еженедельно"
    MONTHLY = "monthly", "ежемесячно"
    QUARTERLY = "quarterly", "ежеквартально"
    YEARLY = "yearly", "ежегодно"
    # The rest of the EU frequency authority table (DCAT-AP's range of dct:accrualPeriodicity), so a
    # dataset from any European catalogue keeps its periodicity; value = the table's code in lower case.
    MIN_1 = "1min", "ежеминутно"
    MIN_5 = "5min", "каждые 5 минут"
    MIN_10 = "10min", "каждые 10 минут"
    MIN_15 = "15min", "каждые 15 минут"
    MIN_30 = "30min", "каждые 30 минут"
    HOURLY = "hourly", "ежечасно"
    BIHOURLY = "bihourly", "каждые 2 часа"
    TRIHOURLY = "trihourly", "каждые 3 часа"
    HOURS_12 = "12hrs", "каждые 12 часов"
    CONT = "cont", "непрерывно"
    DAILY_2 = "daily_2", "дважды в день"
    WEEKLY_2 = "weekly_2", "дважды в неделю"
    WEEKLY_3 = "weekly_3", "трижды в неделю"
    BIWEEKLY = "biweekly", "раз в две недели"
    MONTHLY_2 = "monthly_2", "дважды в месяц"
    MONTHLY_3 = "monthly_3", "трижды в месяц"
    BIMONTHLY = "bimonthly", "раз в два месяца"
    ANNUAL_2 = "annual_2", "раз в полгода"
    ANNUAL_3 = "annual_3", "трижды в год"
    BIENNIAL = "biennial", "раз в два года"
    TRIENNIAL = "triennial", "раз в три года"
    QUADRENNIAL = "quadrennial", "раз в четыре года"
    QUINQUENNIAL = "quinquennial", "раз в пять лет"
    DECENNIAL = "decennial", "раз в десять лет"
    BIDECENNIAL = "bidecennial", "раз в двадцать лет"
    TRIDECENNIAL = "tridecennial", "раз в тридцать лет"
    AS_NEEDED = "as_needed", "по мере необходимости"
    NOT_PLANNED = "not_planned", "не запланировано"
    OTHER = "other", "иная"
    UNKNOWN = "unknown", "неизвестно"
    NEVER = "never", "не обновляется"
    OP_DATPRO = "op_datpro", "предварительные данные"


class Role(LabeledEnum):
    READER = "reader", "читатель"
    AGENCY_EDITOR = "agency_editor", "редактор органа"
    PROCESS_OFFICE = "process_office", "процессный офис"
    ARCHITECT = "architect", "архитектор"
    MART_OWNER = "mart_owner", "обладатель витрины"
    ADMIN = "admin", "администратор"


class LinkType(LabeledEnum):
    """Typed edges between records (DESIGN.md, the domain)."""

    IN_SITUATION = "IN_SITUATION", "входит в жизненную ситуацию"
    REGULATED_BY = "REGULATED_BY", "регулируется актом"
    CONSUMES = "CONSUMES", "потребляет данные"
    PRODUCES = "PRODUCES", "производит данные"
    AUTOMATED_BY = "AUTOMATED_BY", "автоматизирован в системе"
    LINKED_TO = "LINKED_TO", "связан с процессом"
    STORED_IN = "STORED_IN", "хранится в системе"
    EXPOSES = "EXPOSES", "предоставляет"
    RELATES_TO = "RELATES_TO", "связана с сущностью"
    USES_DOCUMENT = "USES_DOCUMENT", "использует документ"
    MATCHES_TYPICAL = "MATCHES_TYPICAL", "соответствует типовому процессу"
    # Attribute-level lineage (OpenLineage columnLineage): the attribute is computed from another one.
    DERIVED_FROM = "DERIVED_FROM", "получен из атрибута"


class RelationType(LabeledEnum):
    """Relations the graph reads from a record's own fields (catalog/graph/model.py FK_EDGES).

    Each label reads from the record that holds the field to the record it names, like the
    link types' labels, and no two edge types share a label."""

    OWNED_BY = "OWNED_BY", "принадлежит органу"
    PART_OF = "PART_OF", "входит в услугу"
    TYPICAL_OF = "TYPICAL_OF", "выполняется по типовому процессу"
    IN_GROUP = "IN_GROUP", "входит в группу процессов"
    PROVIDED_BY = "PROVIDED_BY", "оказывается органом"
    CONTAINS = "CONTAINS", "входит в набор данных"
    HAS = "HAS", "относится к сущности"
    OPERATED_BY = "OPERATED_BY", "эксплуатируется органом"
    HOSTED_BY = "HOSTED_BY", "размещена в системе"
    SUBORDINATE_TO = "SUBORDINATE_TO", "подчинён органу"


class Action(LabeledEnum):
    """What a change event records."""

    CREATE = "create", "создание"
    UPDATE = "update", "изменение"
    DELETE = "delete", "удаление"
    RESTORE = "restore", "восстановление"


class PassportVariant(LabeledEnum):
    """The two descriptions of a process (Leningrad 2.x; Samara 6.2): as it is and as it should be."""

    AS_IS = "as_is", "AS-IS (текущее состояние)"
    TO_BE = "to_be", "TO-BE (целевое состояние)"


class PassportState(LabeledEnum):
    DRAFT = "draft", "черновик"
    APPROVED = "approved", "утверждён"


class DataRole(LabeledEnum):
    """Roles of data in a variant's data model (Samara 6.3)."""

    INPUT = "input", "входные данные"
    INTERMEDIATE = "intermediate", "промежуточные данные"
    RESULT = "result", "результат"


class ResourceKind(LabeledEnum):
    """Resources of a process (Leningrad 2.12: «трудовые ресурсы, нематериальные активы, оборудование,
    материалы и комплектующие, финансовые ресурсы и другие»); information systems are kept apart, as
    the calculator's users asked."""

    LABOUR = "labour", "трудовые ресурсы"
    INTANGIBLE = "intangible", "нематериальные активы"
    EQUIPMENT = "equipment", "оборудование"
    MATERIALS = "materials", "материалы и комплектующие"
    FINANCIAL = "financial", "финансовые ресурсы"
    SYSTEMS = "systems", "информационные системы"
    OTHER = "other", "прочие ресурсы"


class ResourcePer(LabeledEnum):
    INSTANCE = "instance", "на один экземпляр процесса"
    YEAR = "year", "в год"


class DigitalCriterion(LabeledEnum):
    """Criteria of digital transformation of a target process (Leningrad 8.3)."""

    REGISTRY = "registry", "реестровая модель предоставления услуги"
    PROACTIVE = "proactive", "проактивность предоставления услуги"
    EXTERRITORIAL = "exterritorial", "экстерриториальность предоставления услуги"
    MULTICHANNEL = "multichannel", "многоканальность предоставления услуги"
    NO_HUMAN_DECISION = "no_human_decision", "исключение участия человека в принятии решения о предоставлении услуги"
    NO_HUMAN_INTERAGENCY = "no_human_interagency", "исключение участия человека из межведомственного взаимодействия"


class RequestKind(LabeledEnum):
    """What a request for a state information system asks (Samara section 3, Leningrad 8.4)."""

    CREATE = "create", "создание"
    MODERNISE = "modernise", "модернизация"
    DEVELOP = "develop", "развитие"


class RequestStatus(LabeledEnum):
    DRAFT = "draft", "черновик"
    SUBMITTED = "submitted", "подана, идут проверки"
    CONCLUDED = "concluded", "есть заключение процессного офиса"
    APPROVED = "approved", "одобрена"
    REJECTED = "rejected", "отклонена"
    RETURNED = "returned", "возвращена на доработку"


class CheckResult(LabeledEnum):
    PASS = "pass", "пройдена"
    WARNING = "warning", "предупреждение"
    FAIL = "fail", "не пройдена"


class Conclusion(LabeledEnum):
    POSITIVE = "positive", "положительное"
    NEGATIVE = "negative", "отрицательное"


class Decision(LabeledEnum):
    APPROVED = "approved", "одобрить"
    REJECTED = "rejected", "отклонить"
    RETURNED = "returned", "вернуть на доработку"
# --- the production calendar and optimisation projects (Leningrad oblast, sections 4 to 6)


class DayKind(LabeledEnum):
    """A day of the production calendar that differs from the Monday to Friday rule."""

    HOLIDAY = "holiday", "нерабочий (праздничный или перенесённый выходной) день"
    WORKDAY = "workday", "рабочий день (перенесённый с будней выходной)"


class ProjectGround(LabeledEnum):
    """Leningrad 4.2: the five grounds on which the optimisation of a process is initiated."""

    GOVERNOR_ORDER = "governor_order", ("поручение Губернатора, первого вице-губернатора, вице-губернатора, "
                                        "первого заместителя или заместителя Председателя Правительства")
    PRIORITY_SERVICES = "priority_services", "региональный перечень приоритетных государственных услуг"
    LEGAL_ACT = "legal_act", "иной правовой акт Ленинградской области"
    APPLICATION = "application", "заявка руководителя органа (учреждения) с привлечением Процессного офиса"
    OWN_DECISION = "own_decision", "решение руководителя органа (учреждения) об оптимизации собственными силами"


class ProjectStage(LabeledEnum):
    """Leningrad 4.1: the stages of the work, in their order."""

    INITIATION = "initiation", "инициирование"
    DEVELOPMENT = "development", "разработка оптимизационных решений"
    IMPLEMENTATION = "implementation", "внедрение оптимизационных решений"
    POST_MONITORING = "post_monitoring", "постмониторинг"


class ApplicationDecision(LabeledEnum):
    """Leningrad 4.2: the process office's answer to an application."""

    ACCEPTED = "accepted", "процесс принят в оптимизацию"
    REFUSED = "refused", "мотивированный отказ"


class LossKind(LabeledEnum):
    """The eight wastes of lean production, the losses found in a process (5.4 п. 3)."""

    OVERPRODUCTION = "overproduction", "перепроизводство"
    WAITING = "waiting", "ожидание"
    TRANSPORT = "transport", "лишняя транспортировка (передача документов)"
    OVERPROCESSING = "overprocessing", "излишняя обработка"
    INVENTORY = "inventory", "избыточные запасы (очереди, накопленные документы)"
    MOTION = "motion", "лишние перемещения"
    DEFECTS = "defects", "дефекты, ошибки и переделка"
    UNUSED_TALENT = "unused_talent", "нереализованный потенциал сотрудников"


class CauseCategory(LabeledEnum):
    """Categories of root causes on an Ishikawa diagram (the 6M of a process of government)."""

    PEOPLE = "people", "люди (персонал)"
    METHODS = "methods", "методы (порядок, регламенты)"
    MACHINES = "machines", "оборудование и информационные системы"
    MATERIALS = "materials", "материалы (документы, входные данные)"
    MEASUREMENT = "measurement", "измерения (контроль, показатели)"
    ENVIRONMENT = "environment", "среда (нормативная база, внешние условия)"


class MeasureStatus(LabeledEnum):
    """The state of a roadmap measure."""

    PLANNED = "planned", "запланировано"
    IN_PROGRESS = "in_progress", "выполняется"
    DONE = "done", "выполнено"
    CANCELLED = "cancelled", "отменено"


class KpiKind(LabeledEnum):
    """Leningrad 6.3: what a key performance indicator of a process measures."""

    EFFECTIVENESS = "effectiveness", "результативность"
    EFFICIENCY = "efficiency", "эффективность"
    PRODUCTIVITY = "productivity", "производительность"
    QUALITY = "quality", "качество"


class KpiDirection(LabeledEnum):
    """Which side of the target is good: a deviation is a value on the other side."""

    AT_LEAST = "at_least", "не меньше целевого значения"
    AT_MOST = "at_most", "не больше целевого значения"


class OfficialLevel(LabeledEnum):
    """Level of the official answering for a KPI; Leningrad 6.4 asks for head of a unit or above."""

    SPECIALIST = "specialist", "специалист"
    DEPUTY_HEAD_OF_UNIT = "deputy_head_of_unit", "заместитель начальника структурного подразделения"
    HEAD_OF_UNIT = "head_of_unit", "начальник структурного подразделения"
    DEPUTY_HEAD_OF_AGENCY = "deputy_head_of_agency", "заместитель руководителя органа (учреждения)"
    HEAD_OF_AGENCY = "head_of_agency", "руководитель органа (учреждения)"
    # Leningrad 4.3 п. 7: «заместитель председателя Комитета, курирующий департамент процессного управления»
    # may agree a roadmap instead of the head of the process office; a person of the process office's record.
    OFFICE_CURATOR = "office_curator", "заместитель председателя Комитета, курирующий Процессный офис"

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)


class RequestState(LabeledEnum):
    """A request for the reasons of a KPI deviation and corrective measures (Leningrad 4.5)."""

    OPEN = "open", "ожидает ответа владельца процесса"
    ANSWERED = "answered", "ответ получен"
    ASSESSED = "assessed", "мероприятия оценены Процессным офисом"


class Visa(LabeledEnum):
    """The signatures the regulations name (Leningrad 4.3 п. 6–7, 4.4, 8.4; Samara concept, section 5 result 13)."""

    ROADMAP_APPROVE = "roadmap_approve", "«Утверждаю» на дорожной карте"
    ROADMAP_AGREE = "roadmap_agree", "«Согласовано» на дорожной карте"
    CONCLUSION = "conclusion", "заключение по заявке на информационную систему"
    PASSPORT_APPROVE = "passport_approve", "утверждение паспорта процесса"
