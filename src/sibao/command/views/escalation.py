"""Pages of the escalation area (CMD-03): problems (协调事项) with their level, status and
escalation history, raised to the HQ of the raiser's level and escalated upward to the province;
joint consultations (联合会商) with agenda items linked to what they discuss, decisions, the tasks
decisions create for departments and printable minutes; and a department's task list
(会商交办任务) with the overdue ones flagged. Every write goes through
``command.actions.escalation``; every scoped read through ``visible_to`` (problems through
``queries_escalation.problems_for``, which adds a liaison cadre's own unit)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView
from openpyxl import Workbook

from sibao.accounts.access import can, covers
from sibao.command import queries_escalation as queries
from sibao.command.actions import escalation as actions
from sibao.command.filtersets_escalation import (
    ConsultationFilterSet,
    ConsultationTaskFilterSet,
    ProblemFilterSet,
)
from sibao.command.forms_escalation import (
    AgendaItemForm,
    CompleteTaskForm,
    ConsultationForm,
    DecisionForm,
    MinutesForm,
    ProblemForm,
    ReasonForm,
    ResolveForm,
    TaskForm,
)
from sibao.command.models import AgendaItem, Consultation, ConsultationTask, Problem
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import (
    ActionFormView,
    FilteredListView,
    GrantRequiredMixin,
    ScopedDetailView,
    ScopedListView,
)
from sibao.core.tabular import workbook_response


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def _xlsx(title: str, header, rows, stem: str, *, actor, what: str, filters: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([str(h) for h in header])
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    actions.record_escalation_export(actor=actor, what=what, rows=count, filters=filters)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(workbook, filename)


class EscalationFormView(ActionFormView):
    """An escalation form page (core.generic.ActionFormView); the forms take the user."""

    testid = "escalation-form"
    list_name = "command:problem_list"

    def form_kwargs(self) -> dict:
        return {"user": self.request.user}


# --- problems ---


class ProblemListView(FilteredListView):
    """CMD-03: the problems of the jurisdiction (held here or raised here), their level and
    status."""

    model = Problem
    permission = (Problem, "view")
    filterset_class = ProblemFilterSet
    template_name = "command/escalation_problem_list.html"
    partial_template_name = "command/escalation_problem_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            queries.problems_for(self.request.user)
            .select_related("headquarters__region", "enterprise", "created_by")
            .annotate(escalation_count=Count("escalations"))
            .order_by(*Problem._meta.ordering)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = queries.problems_for(self.request.user)
        context["counts"] = {
            "open": mine.filter(status=Problem.Status.OPEN).count(),
            "escalated": mine.filter(status=Problem.Status.OPEN, escalations__isnull=False)
            .distinct()
            .count(),
            "resolved": mine.filter(status=Problem.Status.RESOLVED).count(),
        }
        context["can_raise"] = can(self.request.user, Problem, "add")
        context["tab"] = "problems"
        return context


class ProblemCreateView(EscalationFormView):
    """CMD-03: raise a problem beyond the raiser's authority to the HQ of its level."""

    permission = (Problem, "add")
    form_class = ProblemForm
    title = gettext_lazy("提出协调事项")
    intro = gettext_lazy(
        "对超出自身协调范围的事项，报本级疫情防控指挥部和经济运行调度指挥部协调解决；"
        "本级仍不能解决的，由指挥部逐级提级，直至省指挥部（D1 二(三)）。"
    )
    submit_label = gettext_lazy("报指挥部协调")
    testid = "problem-form"

    def get_initial(self):
        raw = self.request.GET.get("enterprise", "")
        return {"enterprise": int(raw)} if raw.isdigit() else {}

    def perform(self, data):
        problem = actions.raise_problem(
            actor=self.request.user,
            title=data["title"],
            description=data["description"],
            enterprise=data["enterprise"],
            headquarters=data["headquarters"],
        )
        messages.success(self.request, _("已报%(hq)s协调。") % {"hq": problem.headquarters.name})
        return redirect("command:problem_detail", problem.pk)


class ProblemDetailView(GrantRequiredMixin, DetailView):
    """CMD-03: one problem with its escalation history, the consultations that discussed it,
    and the escalate / resolve forms for the HQ holding it."""

    model = Problem
    permission = (Problem, "view")
    template_name = "command/escalation_problem_detail.html"
    context_object_name = "problem"

    def get_queryset(self):
        return queries.problems_for(self.request.user).select_related(
            "headquarters__region", "enterprise__region", "created_by", "source_type"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, problem = self.request.user, self.object
        is_open = problem.status == Problem.Status.OPEN
        target = actions.escalation_target(problem) if is_open else None
        items = list(queries.items_about(problem, user))
        for item in items:
            item.overdue_count = sum(
                1
                for t in item.tasks.all()
                if t.status == ConsultationTask.Status.OPEN and t.due_on < timezone.localdate()
            )
        context.update(
            history=queries.history(problem),
            target=target,
            is_top=problem.headquarters.region.parent_id is None,
            can_escalate=is_open
            and target is not None
            and actions.may_hold_problem(user, problem, "escalate"),
            can_resolve=is_open and actions.may_hold_problem(user, problem, "resolve"),
            can_consult=is_open and can(user, Consultation, "add"),
            reason_form=ReasonForm(),
            resolve_form=ResolveForm(),
            items=items,
            origin=queries.region_label(problem.origin_region_code),
            source_url=_source_url(problem),
            tab="problems",
        )
        return context


def _source_url(problem) -> str:
    if not problem.source_type_id:
        return ""
    fake = AgendaItem(subject_type=problem.source_type, subject_id=problem.source_id)
    return queries.subject_url(fake)


class _ProblemPost(GrantRequiredMixin, View):
    permission = (Problem, "view")
    form_class = None

    def post(self, request, pk):
        problem = get_object_or_404(queries.problems_for(request.user), pk=pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                self.perform(problem, form.cleaned_data)
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("command:problem_detail", problem.pk)


class ProblemEscalateView(_ProblemPost):
    form_class = ReasonForm

    def perform(self, problem, data):
        escalation = actions.escalate(problem, actor=self.request.user, reason=data["reason"])
        messages.success(self.request, _("已提级至%(hq)s。") % {"hq": escalation.to_hq.name})


class ProblemResolveView(_ProblemPost):
    form_class = ResolveForm

    def perform(self, problem, data):
        actions.resolve_problem(problem, actor=self.request.user, resolution=data["resolution"])
        messages.success(self.request, _("协调事项已办结。"))


class ProblemExportView(GrantRequiredMixin, View):
    permission = (Problem, "view")

    def get(self, request):
        queryset = queries.problems_for(request.user).select_related(
            "headquarters__region", "enterprise"
        )
        filterset = ProblemFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        queryset = queryset.annotate(escalation_count=Count("escalations")).order_by(
            *Problem._meta.ordering
        )

        def rows():
            for p in queryset.iterator(chunk_size=500):
                yield [
                    p.pk,
                    p.title,
                    p.enterprise.name if p.enterprise else "",
                    queries.region_label(p.origin_region_code),
                    p.headquarters.name,
                    str(p.headquarters.region.get_level_display()),
                    p.escalation_count,
                    str(p.get_status_display()),
                    _when(p.created_at),
                    _when(p.resolved_at),
                    p.resolution,
                ]

        header = [
            _("编号"),
            _("问题"),
            _("涉及单位"),
            _("提出地区"),
            _("当前协调指挥部"),
            _("层级"),
            _("提级次数"),
            _("状态"),
            _("提出时间"),
            _("解决时间"),
            _("解决情况"),
        ]
        return _xlsx(
            _("协调事项"),
            header,
            rows(),
            "problems",
            actor=request.user,
            what="problems",
            filters=request.GET.urlencode(),
        )


# --- consultations ---


class ConsultationListView(ScopedListView):
    """CMD-03: joint consultations of the jurisdiction, newest first."""

    model = Consultation
    filterset_class = ConsultationFilterSet
    template_name = "command/escalation_consultation_list.html"
    partial_template_name = "command/escalation_consultation_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("headquarters")
            .annotate(
                item_count=Count("items", distinct=True),
                task_count=Count("items__tasks", distinct=True),
                open_task_count=Count(
                    "items__tasks",
                    filter=Q(items__tasks__status=ConsultationTask.Status.OPEN),
                    distinct=True,
                ),
            )
            .order_by(*Consultation._meta.ordering)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_hold"] = can(self.request.user, Consultation, "add")
        context["tab"] = "consultations"
        return context


class ConsultationCreateView(EscalationFormView):
    """CMD-03: convene a joint consultation; a problem chosen here becomes its first item."""

    permission = (Consultation, "add")
    form_class = ConsultationForm
    title = gettext_lazy("召开联合会商")
    intro = gettext_lazy(
        "疫情防控指挥部与经济运行调度指挥部联合会商，研究解决白名单单位遇到的困难和问题；"
        "会商决定可交办相关部门限时办理。"
    )
    submit_label = gettext_lazy("创建会商")
    testid = "consultation-form"

    def cancel_url(self):
        return reverse("command:consultation_list")

    def get_initial(self):
        initial = {"held_at": timezone.localtime().replace(second=0, microsecond=0)}
        raw = self.request.GET.get("problem", "")
        if raw.isdigit():
            problem = (
                queries.problems_for(self.request.user)
                .filter(pk=int(raw))
                .select_related("headquarters")
                .first()
            )
            if problem is not None:
                initial["problem"] = problem.pk
                initial["title"] = _("关于“%(title)s”的联合会商") % {"title": problem.title}
                initial["headquarters"] = problem.headquarters_id
        return initial

    def perform(self, data):
        user = self.request.user
        with transaction.atomic():
            consultation = actions.hold_consultation(
                actor=user,
                title=data["title"],
                headquarters=data["headquarters"],
                held_at=data["held_at"],
                participants=data["participants"],
                other_participants=data["other_participants"],
            )
            if data["problem"] is not None:
                actions.add_agenda_item(
                    consultation, actor=user, title=data["problem"].title, subject=data["problem"]
                )
        messages.success(self.request, _("联合会商已创建，请记录议题和会商决定。"))
        return redirect("command:consultation_detail", consultation.pk)


def _consultation_context(user, consultation) -> dict:
    items = list(
        consultation.items.select_related("subject_type").prefetch_related("tasks__department")
    )
    today = timezone.localdate()
    for item in items:
        item.url = queries.subject_url(item)
        item.task_rows = list(item.tasks.all())
        for task in item.task_rows:
            task.is_overdue = task.status == ConsultationTask.Status.OPEN and task.due_on < today
            task.can_complete = task.status == ConsultationTask.Status.OPEN and (
                actions.may_complete_task(user, task)
            )
    return {
        "consultation": consultation,
        "items": items,
        "participants": list(consultation.participants.select_related("region")),
    }


class ConsultationDetailView(ScopedDetailView):
    """CMD-03: one consultation: participants, agenda items with what they discuss, decisions,
    the tasks decisions created (overdue flagged), the minutes; the forms for the office."""

    model = Consultation
    template_name = "command/escalation_consultation_detail.html"
    context_object_name = "consultation"

    def get_queryset(self):
        return super().get_queryset().select_related("headquarters__region", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, consultation = self.request.user, self.object
        context.update(_consultation_context(user, consultation))
        can_change = can(user, Consultation, "change", obj=consultation)
        can_assign = can_change and covers(
            user, ConsultationTask, "add", region_code=consultation.region_code
        )
        context.update(
            can_change=can_change,
            can_assign=can_assign,
            item_form=AgendaItemForm(user=user, consultation=consultation) if can_change else None,
            task_form=TaskForm(consultation=consultation) if can_assign else None,
            minutes_form=MinutesForm(initial={"minutes": consultation.minutes}),
            tab="consultations",
        )
        return context


class ConsultationMinutesView(GrantRequiredMixin, View):
    """CMD-03: the printable minutes (会商纪要); ``POST`` saves the minutes text."""

    permission = (Consultation, "view")

    def consultation(self, pk, action="view"):
        return get_object_or_404(
            Consultation.objects.visible_to(self.request.user, action).select_related(
                "headquarters__region", "created_by"
            ),
            pk=pk,
        )

    def get(self, request, pk):
        consultation = self.consultation(pk)
        context = _consultation_context(request.user, consultation)
        return render(request, "command/escalation_minutes.html", context)

    def post(self, request, pk):
        consultation = self.consultation(pk)
        form = MinutesForm(request.POST)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                actions.save_minutes(
                    consultation, actor=request.user, minutes=form.cleaned_data["minutes"]
                )
                messages.success(request, _("会商纪要已保存。"))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("command:consultation_detail", consultation.pk)


class AgendaItemAddView(GrantRequiredMixin, View):
    permission = (Consultation, "view")

    def post(self, request, pk):
        consultation = get_object_or_404(Consultation.objects.visible_to(request.user), pk=pk)
        form = AgendaItemForm(request.POST, user=request.user, consultation=consultation)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            data = form.cleaned_data
            try:
                actions.add_agenda_item(
                    consultation,
                    actor=request.user,
                    title=data["title"],
                    subject=data["subject"],
                    decision=data["decision"],
                )
                messages.success(request, _("议题已添加。"))
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect("command:consultation_detail", consultation.pk)


class _ItemPost(GrantRequiredMixin, View):
    permission = (Consultation, "view")

    def post(self, request, pk):
        item = get_object_or_404(
            AgendaItem.objects.filter(
                consultation__in=Consultation.objects.visible_to(request.user)
            ).select_related("consultation__headquarters"),
            pk=pk,
        )
        form = self.get_form(item)
        if not form.is_valid():
            _flash_form(request, form)
        else:
            try:
                self.perform(item, form.cleaned_data)
            except ValidationError as exc:
                _flash_errors(request, exc)
        return redirect(
            reverse("command:consultation_detail", args=[item.consultation_id]) + f"#item-{item.pk}"
        )


class AgendaDecisionView(_ItemPost):
    def get_form(self, item):
        return DecisionForm(self.request.POST)

    def perform(self, item, data):
        actions.record_decision(item, actor=self.request.user, decision=data["decision"])
        messages.success(self.request, _("会商决定已记录。"))


class AgendaTaskView(_ItemPost):
    def get_form(self, item):
        return TaskForm(self.request.POST, consultation=item.consultation)

    def perform(self, item, data):
        task = actions.assign_task(
            item,
            actor=self.request.user,
            department=data["department"],
            task=data["task"],
            due_on=data["due_on"],
        )
        messages.success(
            self.request, _("已交办%(department)s。") % {"department": task.department}
        )


# --- consultation tasks ---


class TaskListView(ScopedListView):
    """CMD-03: tasks from consultation decisions (会商交办任务); a department's staff see their own
    department's first; overdue ones flagged."""

    model = ConsultationTask
    filterset_class = ConsultationTaskFilterSet
    template_name = "command/escalation_task_list.html"
    partial_template_name = "command/escalation_task_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("department", "item__consultation__headquarters")
            .order_by("status", "due_on", "id")
        )

    def get_queryset(self):
        queryset = self.get_base_queryset()
        data = self.request.GET or None
        self.departments = list(queries.user_departments(self.request.user))
        if data is None and self.departments:
            data = {"mine": "true"}  # a department's own tasks first
        self.filterset = ConsultationTaskFilterSet(data, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_bound else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        visible = ConsultationTask.objects.visible_to(user)
        context["counts"] = {
            "open": visible.filter(status=ConsultationTask.Status.OPEN).count(),
            "overdue": visible.filter(queries.overdue_q()).count(),
        }
        seen = set(
            Consultation.objects.visible_to(user)
            .filter(pk__in={row.item.consultation_id for row in context["object_list"]})
            .values_list("pk", flat=True)
        )
        for row in context["object_list"]:
            row.is_overdue = row.status == ConsultationTask.Status.OPEN and row.due_on < today
            row.can_complete = row.status == ConsultationTask.Status.OPEN and (
                actions.may_complete_task(user, row)
            )
            row.consultation_visible = row.item.consultation_id in seen
        context["departments"] = self.departments
        context["tab"] = "tasks"
        return context


class TaskExportView(GrantRequiredMixin, View):
    permission = (ConsultationTask, "view")

    def get(self, request):
        queryset = ConsultationTask.objects.visible_to(request.user).select_related(
            "department", "item__consultation__headquarters"
        )
        filterset = ConsultationTaskFilterSet(
            request.GET or None, queryset=queryset, request=request
        )
        if filterset.is_bound:
            queryset = filterset.qs
        today = timezone.localdate()

        def rows():
            for t in queryset.iterator(chunk_size=500):
                consultation = t.item.consultation
                overdue = t.status == ConsultationTask.Status.OPEN and t.due_on < today
                yield [
                    t.pk,
                    t.department.name,
                    t.task,
                    t.due_on,
                    str(t.get_status_display()),
                    _("是") if overdue else "",
                    consultation.headquarters.name,
                    consultation.title,
                    _when(consultation.held_at),
                    t.item.title,
                    t.item.decision,
                    _when(t.done_at),
                    t.outcome,
                ]

        header = [
            _("编号"),
            _("承办部门"),
            _("任务"),
            _("完成时限"),
            _("状态"),
            _("逾期"),
            _("召集指挥部"),
            _("会商主题"),
            _("会商时间"),
            _("议题"),
            _("会商决定"),
            _("办结时间"),
            _("办理结果"),
        ]
        return _xlsx(
            _("会商交办任务"),
            header,
            rows(),
            "consultation-tasks",
            actor=request.user,
            what="tasks",
            filters=request.GET.urlencode(),
        )


class TaskCompleteView(GrantRequiredMixin, View):
    """CMD-03: the department reports a task done (or the convening HQ's office records it)."""

    permission = (ConsultationTask, "change")

    def task(self, pk):
        task = get_object_or_404(
            ConsultationTask.objects.visible_to(self.request.user).select_related(
                "department", "item__consultation__headquarters"
            ),
            pk=pk,
        )
        return task

    def render_form(self, task, form, status=200):
        return render(
            self.request,
            "command/escalation_task_complete.html",
            {
                "task": task,
                "form": form,
                "can_complete": task.status == ConsultationTask.Status.OPEN
                and actions.may_complete_task(self.request.user, task),
                "tab": "tasks",
            },
            status=status,
        )

    def get(self, request, pk):
        return self.render_form(self.task(pk), CompleteTaskForm())

    def post(self, request, pk):
        task = self.task(pk)
        form = CompleteTaskForm(request.POST)
        if not form.is_valid():
            return self.render_form(task, form, status=422)
        try:
            actions.complete_task(task, actor=request.user, outcome=form.cleaned_data["outcome"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.render_form(task, form, status=422)
        messages.success(request, _("任务已办结。"))
        return redirect(reverse("command:consultation_task_list") + "?status=done")


# included by ``command/urls.py`` (names in the ``command`` namespace)
urlpatterns = [
    path("escalation/problems/", ProblemListView.as_view(), name="problem_list"),
    path("escalation/problems/new/", ProblemCreateView.as_view(), name="problem_create"),
    path("escalation/problems/export.xlsx", ProblemExportView.as_view(), name="problem_export"),
    path("escalation/problems/<int:pk>/", ProblemDetailView.as_view(), name="problem_detail"),
    path(
        "escalation/problems/<int:pk>/escalate/",
        ProblemEscalateView.as_view(),
        name="problem_escalate",
    ),
    path(
        "escalation/problems/<int:pk>/resolve/",
        ProblemResolveView.as_view(),
        name="problem_resolve",
    ),
    path("escalation/consultations/", ConsultationListView.as_view(), name="consultation_list"),
    path(
        "escalation/consultations/new/",
        ConsultationCreateView.as_view(),
        name="consultation_create",
    ),
    path(
        "escalation/consultations/<int:pk>/",
        ConsultationDetailView.as_view(),
        name="consultation_detail",
    ),
    path(
        "escalation/consultations/<int:pk>/minutes/",
        ConsultationMinutesView.as_view(),
        name="consultation_minutes",
    ),
    path(
        "escalation/consultations/<int:pk>/items/",
        AgendaItemAddView.as_view(),
        name="consultation_item_add",
    ),
    path(
        "escalation/items/<int:pk>/decision/",
        AgendaDecisionView.as_view(),
        name="agenda_decision",
    ),
    path("escalation/items/<int:pk>/tasks/", AgendaTaskView.as_view(), name="agenda_task"),
    path("escalation/tasks/", TaskListView.as_view(), name="consultation_task_list"),
    path(
        "escalation/tasks/export.xlsx",
        TaskExportView.as_view(),
        name="consultation_task_export",
    ),
    path(
        "escalation/tasks/<int:pk>/complete/",
        TaskCompleteView.as_view(),
        name="consultation_task_complete",
    ),
]
