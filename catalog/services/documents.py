"""Printable documents (issue 16): the order of an optimisation project (Leningrad 4.3), the roadmap with
its visas (4.3–4.4), the process passport (AS-IS / TO-BE, data model, cost) and the conclusion on a system
request (8.4), as an HTML print view and as PDF.

One template per document in ``catalog/documents/templates`` renders the document's body in plain HTML
(headings, paragraphs, tables, lists); the web print view wraps it in a page with print CSS, and
:func:`render_pdf` lays the same HTML out with fpdf2 (pure Python, on PyPI; weasyprint would need the
system's pango, which a new machine may lack). The font is DejaVu Sans shipped in
``catalog/documents/fonts`` (its licence beside it), embedded in every PDF, so Cyrillic text is printed
and can be copied out. Every document carries the region's name (``CATALOG_REGION_NAME``), its date, its
number when it has one, and the catalogue's address of the record (``CATALOG_BASE_URL`` + the path).

The correction notice (Kemerovo 3.5) is one more document of the same kind (:func:`notice_document`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from catalog import enums, formatting, models
from catalog.services import costs as cost_service
from catalog.services import passports, people, projects, requests
from catalog.services.context import Context

HERE = Path(__file__).resolve().parent.parent / "documents"
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"
FONT = "DejaVu"


@dataclass
class Document:
    kind: str  # order | roadmap | passport | conclusion | notice
    title: str
    template: str
    path: str  # the record's address inside the catalogue
    number: str | None
    dated: date | None
    context: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.number or self.path.strip('/').replace('/', '-')}.pdf"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"number": formatting.number, "money": formatting.money, "percent": formatting.percent,
                        "hours": formatting.hours, "minutes": formatting.minutes, "day": formatting.day,
                        "counted": formatting.counted, "visa": people.describe_visa})
    env.globals["enums"] = enums
    return env


_ENV = _environment()


def address(ctx: Context, path: str) -> str:
    return f"{(ctx.settings.base_url or ctx.settings.base_iri).rstrip('/')}{path}"


def render_html(template: str, context: dict) -> str:
    """The document's body (an HTML fragment) from a template of ``catalog/documents/templates``."""
    return _ENV.get_template(template).render(**context)


def render_pdf(template: str, context: dict, title: str = "") -> bytes:
    """The document as PDF: the template's HTML laid out by fpdf2 with the embedded Cyrillic font."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Каталог процессов и данных")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONTS / "DejaVuSans.ttf"))  # no italics in the documents: shown upright
    pdf.add_font(FONT, "BI", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 15, 15)
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    pdf.write_html(render_html(template, context), font_family=FONT)
    return bytes(pdf.output())


# The store's name of the region, written by the demo (catalog/demo/loader.py); the setting wins when given.
REGION_KEY = "region_name"
DEFAULT_REGION = "Регион"


def region_name(ctx: Context) -> str:
    """The region printed documents carry: CATALOG_REGION_NAME when set, else the loaded region's name
    (the demo's), else «Регион»."""
    if ctx.settings.region_name and ctx.settings.region_name != DEFAULT_REGION:
        return ctx.settings.region_name
    stored = ctx.session.get(models.Setting, REGION_KEY)
    return stored.value if stored is not None and stored.value else (ctx.settings.region_name or DEFAULT_REGION)


def _common(ctx: Context, document: Document) -> Document:
    document.context.update({"region": region_name(ctx), "title": document.title, "number": document.number,
                             "dated": document.dated, "address": address(ctx, document.path),
                             "printed": datetime.now(UTC).date()})
    return document


def order_document(ctx: Context, project_id: int) -> Document:
    """The legal (local) act on the optimisation (Leningrad 4.3): its number, dates, team and tasks."""
    project = projects.get_project(ctx, project_id)
    title = f"Правовой акт об оптимизации процесса «{project.process.name}»"
    return _common(ctx, Document("order", title, "order.html", f"/projects/{project.id}",
                                 project.order_number, project.order_date, {"project": project}))


def roadmap_document(ctx: Context, project_id: int) -> Document:
    """The roadmap (4.3): measures, KPIs, «согласовано» and «утверждаю» with names, positions, dates."""
    project = projects.get_project(ctx, project_id)
    title = f"План мероприятий (дорожная карта) по оптимизации процесса «{project.process.name}»"
    return _common(ctx, Document("roadmap", title, "roadmap.html", f"/projects/{project.id}",
                                 project.roadmap_number, project.approved_on, {"project": project}))


def passport_document(ctx: Context, passport_id: int) -> Document:
    """The process passport of one variant: steps, data model, resources and cost."""
    passport = passports.get_passport(ctx, passport_id)
    costed = cost_service.process_costs(ctx, passport.process_id)
    cost = costed.costs.get(passport.variant) if costed.passports.get(passport.variant) is passport else None
    variant = enums.PassportVariant.label_of(passport.variant)
    title = f"Паспорт процесса «{passport.process.name}» ({variant}, редакция {passport.revision})"
    return _common(ctx, Document("passport", title, "passport.html", f"/passports/{passport.id}", passport.number,
                                 passport.approved_at.date() if passport.approved_at else None,
                                 {"passport": passport, "cost": cost, "effect": costed.effect, "variant": variant}))


def conclusion_document(ctx: Context, request_id: int) -> Document:
    """The process office's conclusion on a system request (8.4): numbered, with the checks and the signatory."""
    found = requests.get_request(ctx, request_id)
    title = f"Заключение по заявке № {found.id}"
    return _common(ctx, Document("conclusion", title, "conclusion.html", f"/requests/{found.id}",
                                 found.conclusion_number, found.concluded_at.date() if found.concluded_at else None,
                                 {"found": found}))


def notice_document(ctx: Context, notice_id: int) -> Document:
    """The authorised body's correction notice (Kemerovo register rules 3.5): its number and date, the author
    by name and position, the agency, the processes and fields to correct, the reason and the answer's term."""
    from catalog.services import notices, permissions, users

    permissions.require_read(ctx)
    view = notices.get_notice(ctx, notice_id)
    notice = view.notice
    author = ctx.session.get(models.User, notice.author_id) if notice.author_id else None
    person = people.person_of(ctx, author)
    signed = {"name": person.full_name if person else users.display_name(ctx, notice.author_name),
              "position": person.position if person else None,
              "agency": (person.agency.short_name or person.agency.name) if person else None}
    return _common(ctx, Document("notice", f"Уведомление о корректировке № {notice.id}", "notice.html",
                                 f"/notices/{notice.id}", str(notice.id), notices.history_local(ctx, notice.written_at),
                                 {"view": view, "notice": notice, "author": signed}))


DOCUMENTS = {"order": order_document, "roadmap": roadmap_document, "passport": passport_document,
             "conclusion": conclusion_document, "notice": notice_document}


def document(ctx: Context, kind: str, record_id: int) -> Document:
    return DOCUMENTS[kind](ctx, record_id)
