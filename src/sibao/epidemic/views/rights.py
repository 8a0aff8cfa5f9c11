"""PLAT-03: the health office's personal-data rights page: find a person by the full ID number
(posted, never in a URL), see masked what the platform holds about them per table, export it or
delete it on request. After the lookup the page carries only a signed, short-lived token of the
person key, never the number."""

import json

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sibao.core.generic import GrantRequiredMixin
from sibao.epidemic import queries_rights
from sibao.epidemic.actions import rights as actions
from sibao.epidemic.forms_roster import FindForm
from sibao.epidemic.models import StaffMember

TOKEN_SALT = "sibao.person-rights"
TOKEN_MAX_AGE = 15 * 60


class PersonRightsView(GrantRequiredMixin, View):
    permission = (StaffMember, queries_rights.RIGHTS)
    template_name = "epidemic/rights/person.html"

    def get(self, request):
        return render(request, self.template_name, {"form": FindForm()})

    def post(self, request):
        op = request.POST.get("op", "find")
        if op == "find":
            return self._find(request)
        try:
            key = signing.loads(
                request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(request, _("查询已过期，请重新输入身份证号码。"))
            return render(request, self.template_name, {"form": FindForm()}, status=422)
        if op == "export":
            data = actions.export_person(request.user, key)
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=1),
                content_type="application/json; charset=utf-8",
            )
            stamp = timezone.localtime().strftime("%Y%m%d%H%M")
            response["Content-Disposition"] = f'attachment; filename="person-data-{stamp}.json"'
            return response
        if op == "erase":
            try:
                counts = actions.erase_person(request.user, key)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return self._show(request, key, status=409)
            messages.success(
                request,
                _("已删除该人员的个人信息，共 %(count)d 条记录。")
                % {"count": sum(counts.values())},
            )
            return render(request, self.template_name, {"form": FindForm(), "erased": counts})
        return self._show(request, key, status=400)

    def _find(self, request):
        form = FindForm(request.POST)
        if form.is_valid():
            try:
                key = actions.find_person(request.user, form.cleaned_data["id_number"])
            except ValidationError as exc:
                form.add_error("id_number", exc.messages)
            else:
                return self._show(request, key, form=form)
        return render(request, self.template_name, {"form": form}, status=422)

    def _show(self, request, key, *, form=None, status=200):
        user = request.user
        tables = queries_rights.holdings(user, key)
        found = any(t["count"] for t in tables)
        roster = (
            queries_rights.held_rows(user, StaffMember, key).only("name", "id_masked").first()
            if found
            else None
        )
        context = {
            "form": form or FindForm(),
            "searched": True,
            "found": found,
            "tables": tables,
            "person": roster,
            "status": queries_rights.person_status(user, key) if found else None,
            "measures": [actions.MEASURE_LABELS[m] for m in queries_rights.active_measures(key)]
            if found
            else [],
            "token": signing.dumps(key, salt=TOKEN_SALT) if found else "",
        }
        return render(request, self.template_name, context, status=status)
