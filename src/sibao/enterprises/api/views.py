from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.api.serializers import EnterpriseSerializer
from sibao.enterprises.filtersets import EnterpriseFilterSet
from sibao.enterprises.models import Enterprise


class EnterpriseViewSet(ScopedReadOnlyViewSet):
    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
