"""Base views. Every page that shows scoped rows gets them from ``visible_to`` here, nowhere else."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from sibao.accounts.access import can, has_any_grant
from sibao.core.forms import errors_to_form


class SignedInMixin:
    """Pages of the signed-in user's own (home, profile, second factor): no grant needed."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class GrantRequiredMixin:
    """Signed in (else to the login page) and holding at least one active role grant (else 403).

    ``permission = (Model, "action")`` additionally requires that some grant allows the action;
    scoped views require their own model and action by default, so a role that may never see a
    model gets 403, and a row outside the user's scope gets 404.
    """

    permission: tuple | None = None

    def get_permission(self) -> tuple | None:
        return self.permission

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_any_grant(request.user):
            raise PermissionDenied(_("您的账户尚未授予角色，请联系系统管理员。"))
        permission = self.get_permission()
        if permission is not None and not can(request.user, *permission):
            raise PermissionDenied(_("您的角色无权访问此页面。"))
        return super().dispatch(request, *args, **kwargs)


class FilteredListView(GrantRequiredMixin, ListView):
    """A filtered, paginated list; HTMX requests get only the table partial.

    Subclasses give ``get_base_queryset``; reference data (regions, HQs) is not scoped, rows that
    belong to a jurisdiction come through ``ScopedListView``.
    """

    filterset_class = None
    paginate_by = 50
    partial_template_name: str | None = None

    def get_base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        queryset = self.get_base_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            if self.filterset.is_bound:
                queryset = self.filterset.qs
        return queryset

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class ScopedListView(FilteredListView):
    """Rows of a scoped model, only those ``visible_to`` the user for ``action``."""

    action = "view"

    def get_permission(self):
        return self.permission or (self.model, self.action)

    def get_base_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.action)


class ScopedDetailView(GrantRequiredMixin, DetailView):
    """Out of scope answers 404, exactly like a missing object."""

    action = "view"

    def get_permission(self):
        return self.permission or (self.model, self.action)

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.action)


class ActionFormView(GrantRequiredMixin, View):
    """A form page whose valid input goes to one action; the action's ``ValidationError`` lands
    on the form (422) and changes nothing. ``perform(data)`` calls the action and returns a
    response, or ``None`` for "saved": a success message and a redirect to ``list_name``.

    Set ``form_class``, ``title`` (and ``intro``, ``submit_label``, ``testid``, ``list_name``);
    ``form_kwargs()`` adds constructor arguments (e.g. the user)."""

    template_name = "core/form_page.html"
    form_class = None
    title = ""
    intro = ""
    submit_label = gettext_lazy("提交")
    success_message = gettext_lazy("已保存。")
    testid = "action-form"
    list_name = ""

    def form_kwargs(self) -> dict:
        return {}

    def get_form(self, data=None):
        return self.form_class(data, initial=self.get_initial(), **self.form_kwargs())

    def get_initial(self):
        return {}

    def cancel_url(self) -> str:
        return reverse(self.list_name)

    def context(self, form) -> dict:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "cancel_url": self.cancel_url(),
            "testid": self.testid,
        }

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, self.context(form), status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=422)
        try:
            response = self.perform(form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.render_form(form, status=422)
        if response is not None:
            return response
        messages.success(request, self.success_message)
        return redirect(self.list_name)

    def perform(self, data):
        raise NotImplementedError
