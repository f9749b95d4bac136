from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site as a whole: the commands that set up and serve every app at once (`turath setup`,
    `serve`, `run`). It sits above all apps, so it may name any of them; no app imports it."""

    name = "turath.site"
    label = "site"
    verbose_name = "Turath site: set-up and serving"
