from django import template

register = template.Library()


@register.filter
def item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def public_results_url() -> str:
    """The citizen portal's results page when the city publishes it, else ""."""
    from django.urls import reverse

    from evaluation.models import PublicResults

    return reverse("public_results") if PublicResults.current().enabled else ""
