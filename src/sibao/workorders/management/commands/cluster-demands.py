"""``sibao cluster-demands [--at ISO-TIME] [--enqueue]``: one clustering pass of similar demands
(DEM-04) per category × city over the last ``demand_cluster_window_days`` days; a new cluster run
whose clusters the offices see on the "相似诉求聚类" page. Earlier runs are kept."""

from sibao.core.commands import PeriodicCommand
from sibao.workorders.actions.common import run_clustering


class Command(PeriodicCommand):
    help = "Cluster similar demands per category and city (common issues, DEM-04)."
    task_label = "demand clustering"

    def task(self):
        from sibao.workorders import tasks

        return tasks.cluster_demands

    def run(self, now) -> str:
        run = run_clustering(now=now)
        return f"cluster run {run.pk}: demands={run.demand_count} clusters={run.cluster_count}"
