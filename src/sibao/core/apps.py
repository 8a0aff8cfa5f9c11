from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _complete_rule_set(sender, using, **kwargs):
    from sibao.core import rules

    rules.ensure_complete()


class CoreConfig(AppConfig):
    name = "sibao.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        # After every migrate, the newest rule-set version holds every catalogued parameter.
        post_migrate.connect(_complete_rule_set, sender=self, dispatch_uid="sibao_rule_set")
        # a request reads the rule set once (rules.current); a version saved meanwhile is read anew
        from sibao.core import rules

        for signal in (post_save, post_delete):
            signal.connect(
                rules.forget_current,
                sender="core.RuleSetVersion",
                dispatch_uid="sibao_rules_forget",
            )
