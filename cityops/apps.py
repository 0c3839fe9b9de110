from django.apps import AppConfig


class CityopsConfig(AppConfig):
    name = "cityops"
    verbose_name = "CityOps"

    def ready(self) -> None:
        from cityops import checks  # noqa: F401  (register the system checks)
