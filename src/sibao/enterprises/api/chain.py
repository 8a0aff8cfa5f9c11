"""API of the chain area (WL-08 … WL-10, ORG-06): supply links, inclusion proposals, pairings,
spot checks, four-party responsibilities and the fuse. Lists go through ``visible_to`` (the base
viewset); every write calls the action, which checks permission on the object."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.core.masking import mask_phone
from sibao.enterprises import actions
from sibao.enterprises.filtersets_chain import (
    InclusionProposalFilterSet,
    PairingFilterSet,
    ResponsibilityFilterSet,
    SpotCheckFilterSet,
    SupplyLinkFilterSet,
)
from sibao.enterprises.models import (
    Enterprise,
    InclusionProposal,
    Pairing,
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    SpotCheckResult,
    SupplyLink,
    SupplyLinkKind,
    WhitelistEntry,
)
from sibao.regions.models import Region

# --- serializers ---------------------------------------------------------------------------------


class SupplyLinkSerializer(serializers.ModelSerializer):
    """WL-08: ``partner`` is ``enterprise``'s supplier, customer or logistics provider."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_credit_code = serializers.CharField(source="partner.credit_code", read_only=True)

    class Meta:
        model = SupplyLink
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "partner",
            "partner_name",
            "partner_credit_code",
            "partner_region_code",
            "kind",
            "products",
            "created_at",
        ]
        read_only_fields = fields


class SupplyLinkCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=gettext_lazy("本单位的记录编号"))
    partner_credit_code = serializers.CharField(
        max_length=18, help_text=gettext_lazy("关联单位的统一社会信用代码（全省已登记的单位）")
    )
    kind = serializers.ChoiceField(choices=SupplyLinkKind.choices)
    products = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InclusionProposalSerializer(serializers.ModelSerializer):
    """WL-08: a unit proposed for inclusion because a linked unit joined the whitelist."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    because_of_name = serializers.CharField(source="because_of.name", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)

    class Meta:
        model = InclusionProposal
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "because_of",
            "because_of_name",
            "link",
            "status",
            "note",
            "created_at",
            "handled_at",
            "region_code",
            "industry",
        ]
        read_only_fields = fields


class ProposalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PairingSerializer(serializers.ModelSerializer):
    """WL-09: a production, tourism or key-project unit paired with a transport or commerce unit;
    confirmed once both sides' admins confirm."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "unit",
            "unit_name",
            "partner",
            "partner_name",
            "status",
            "reason",
            "unit_confirmed_at",
            "partner_confirmed_at",
            "created_at",
            "region_code",
            "partner_region_code",
        ]
        read_only_fields = fields


class PairingProposeSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=12, help_text=gettext_lazy("区划代码"))


class PairingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SpotCheckSerializer(serializers.ModelSerializer):
    """WL-10: a spot check of a unit's prevention measures."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "checked_on",
            "inspectors",
            "findings",
            "result",
            "rectify_by",
            "caused_spread",
            "recorded_at",
            "region_code",
            "industry",
        ]
        read_only_fields = fields


class SpotCheckCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    checked_on = serializers.DateField()
    inspectors = serializers.CharField(max_length=200)
    findings = serializers.CharField(required=False, allow_blank=True)
    result = serializers.ChoiceField(choices=SpotCheckResult.choices)
    rectify_by = serializers.DateField(required=False, allow_null=True)
    caused_spread = serializers.BooleanField(required=False, default=False)


class ResponsibilitySerializer(serializers.ModelSerializer):
    """ORG-06: one party's responsible person of a unit; the phone is masked."""

    phone = serializers.SerializerMethodField()

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "enterprise",
            "party",
            "name",
            "position",
            "phone",
            "duties",
            "updated_at",
        ]
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class ResponsibilitySetSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    party = serializers.ChoiceField(choices=ResponsibilityParty.choices)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    position = serializers.CharField(max_length=128, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    duties = serializers.CharField()


class FuseSerializer(serializers.Serializer):
    evidence = serializers.CharField(help_text=gettext_lazy("熔断依据：流调结论、抽查记录等"))
    decision = serializers.CharField(help_text=gettext_lazy("熔断决定"))
    spot_check = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("关联抽查记录编号")
    )


class FusedEntrySerializer(serializers.ModelSerializer):
    """The whitelist entry after the fuse (``status`` is then ``removed``)."""

    # plain strings: the whitelist API documents these enums; naming them twice collides
    status = serializers.CharField(read_only=True)
    tier = serializers.CharField(read_only=True)

    class Meta:
        model = WhitelistEntry
        fields = ["id", "enterprise", "status", "tier", "listed_at", "removed_at"]
        read_only_fields = fields


# --- viewsets ------------------------------------------------------------------------------------


def _enterprise(request, pk):
    """A unit the caller sees, for a write about it; otherwise a field error (no existence leak)."""
    unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if unit is None:
        raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区内。")]})
    return unit


class SupplyLinkViewSet(ScopedReadOnlyViewSet):
    """WL-08: supply links either of whose parties is in scope; create and delete call the
    actions (the partner is found by credit code anywhere in the province)."""

    queryset = SupplyLink.objects.select_related("enterprise", "partner")
    serializer_class = SupplyLinkSerializer
    filterset_class = SupplyLinkFilterSet

    @extend_schema(request=SupplyLinkCreateSerializer, responses={201: SupplyLinkSerializer})
    def create(self, request):
        body = SupplyLinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        link = actions.add_supply_link(
            _enterprise(request, data["enterprise"]),
            data["partner_credit_code"],
            kind=data["kind"],
            products=data.get("products", ""),
            actor=request.user,
        )
        return Response(SupplyLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        actions.remove_supply_link(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InclusionProposalViewSet(ScopedReadOnlyViewSet):
    """WL-08: proposals in scope; the department invites the unit to apply or dismisses."""

    queryset = InclusionProposal.objects.select_related("enterprise", "because_of")
    serializer_class = InclusionProposalSerializer
    filterset_class = InclusionProposalFilterSet

    @extend_schema(request=ProposalNoteSerializer, responses=InclusionProposalSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        body = ProposalNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = actions.invite_proposal(
            self.get_object(), actor=request.user, note=body.validated_data.get("note", "")
        )
        return Response(InclusionProposalSerializer(proposal).data)

    @extend_schema(request=ProposalNoteSerializer, responses=InclusionProposalSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        body = ProposalNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = actions.dismiss_proposal(
            self.get_object(), actor=request.user, note=body.validated_data.get("note", "")
        )
        return Response(InclusionProposalSerializer(proposal).data)


class PairingViewSet(ScopedReadOnlyViewSet):
    """WL-09: pairings in scope; staff propose for a region, each side's admin confirms."""

    queryset = Pairing.objects.select_related("unit", "partner")
    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet

    @extend_schema(request=PairingProposeSerializer, responses={201: PairingSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def propose(self, request):
        body = PairingProposeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        region = get_object_or_404(Region, code=body.validated_data["region"])
        created = actions.propose_pairings(region, actor=request.user)
        return Response(PairingSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        pairing = actions.confirm_pairing(self.get_object(), actor=request.user)
        return Response(PairingSerializer(pairing).data)

    @extend_schema(request=PairingReasonSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        body = PairingReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pairing = actions.decline_pairing(
            self.get_object(), actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(PairingSerializer(pairing).data)

    @extend_schema(request=PairingReasonSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        body = PairingReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pairing = actions.end_pairing(
            self.get_object(), actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(PairingSerializer(pairing).data)


class SpotCheckViewSet(ScopedReadOnlyViewSet):
    """WL-10: spot checks in scope; departments and the HQ office record new ones."""

    queryset = SpotCheck.objects.select_related("enterprise")
    serializer_class = SpotCheckSerializer
    filterset_class = SpotCheckFilterSet

    @extend_schema(request=SpotCheckCreateSerializer, responses={201: SpotCheckSerializer})
    def create(self, request):
        body = SpotCheckCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = _enterprise(request, data.pop("enterprise"))
        check = actions.record_spot_check(
            unit, actor=request.user, findings=data.pop("findings", ""), **data
        )
        return Response(SpotCheckSerializer(check).data, status=status.HTTP_201_CREATED)


class ResponsibilityViewSet(ScopedReadOnlyViewSet):
    """ORG-06: four-party responsibility rows in scope (phones masked); ``set`` creates or
    updates one party's row of a unit."""

    queryset = Responsibility.objects.all()
    serializer_class = ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet

    @extend_schema(request=ResponsibilitySetSerializer, responses=ResponsibilitySerializer)
    @action(detail=False, methods=["post"], url_path="set", url_name="set")
    def set_party(self, request):
        body = ResponsibilitySetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = _enterprise(request, data.pop("enterprise"))
        row = actions.set_responsibility(unit, actor=request.user, **data)
        return Response(ResponsibilitySerializer(row).data)


class FuseViewSet(viewsets.GenericViewSet):
    """WL-10: ``POST /api/fuse/{whitelist entry id}/blow/`` removes the unit for causing import or
    spread of infection, with the evidence and the decision (熔断)."""

    queryset = WhitelistEntry.objects.all()
    serializer_class = FuseSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, WhitelistEntry, "fuse"):
            raise exceptions.PermissionDenied(_("您的角色无权熔断白名单单位。"))

    def get_queryset(self):
        return WhitelistEntry.objects.visible_to(self.request.user, "fuse")

    @extend_schema(request=FuseSerializer, responses=FusedEntrySerializer)
    @action(detail=True, methods=["post"])
    def blow(self, request, pk=None):
        entry = self.get_object()
        body = FuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = None
        if body.validated_data.get("spot_check"):
            spot_check = get_object_or_404(
                SpotCheck.objects.visible_to(request.user, "view"),
                pk=body.validated_data["spot_check"],
            )
        entry = actions.fuse_unit(
            entry,
            actor=request.user,
            evidence=body.validated_data["evidence"],
            decision=body.validated_data["decision"],
            spot_check=spot_check,
        )
        return Response(FusedEntrySerializer(entry).data)
