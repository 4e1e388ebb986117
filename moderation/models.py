from django.db import models


class Hotline(models.Model):
    """A crisis line shown on the /sos card; maintained by staff."""

    country = models.CharField("страна (ISO)", max_length=2, default="RU", db_index=True)
    name = models.CharField("название", max_length=120)
    phone = models.CharField("телефон", max_length=40, blank=True)
    url = models.URLField("сайт", blank=True)
    description = models.CharField("для кого и когда", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("показывать", default=True)

    class Meta:
        ordering = ["country", "order", "name"]
        verbose_name = "горячая линия"
        verbose_name_plural = "горячие линии"

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"
