"""Admin list filters shared by every app."""

from __future__ import annotations

from django.contrib import admin


class DateRangeFilter(admin.FieldListFilter):
    """ "From – to" dates for a date/datetime column (inclusive), as two inputs in the sidebar."""

    template = "admin/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_from = f"{field_path}__date__gte"
        self.lookup_to = f"{field_path}__date__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = f"{field.verbose_name}: период"
        # Empty inputs mean "no bound"; a malformed date is ignored rather than an error page.
        self.used_parameters = {k: [x for x in v if x] for k, v in self.used_parameters.items()}
        self.used_parameters = {k: v for k, v in self.used_parameters.items() if v}

    def expected_parameters(self):
        return [self.lookup_from, self.lookup_to]

    def has_output(self):
        return True

    def choices(self, changelist):
        values = {p: (self.used_parameters.get(p) or [""])[-1] for p in self.expected_parameters()}
        yield {
            "from_name": self.lookup_from,
            "to_name": self.lookup_to,
            "from_value": values[self.lookup_from],
            "to_value": values[self.lookup_to],
            "reset_url": changelist.get_query_string(remove=self.expected_parameters()),
            "other_params": {
                k: v
                for k, v in changelist.get_filters_params().items()
                if k not in self.expected_parameters()
            },
        }
