from django.urls import path  # noqa: F401

app_name = "policies"
urlpatterns = [
    # --- catalogue: policies, versions, conditions, preview, publishing, reserve (POL-01, POL-05) ---
    # --- matching: matching, explanations, self-check (POL-02, POL-04) ---
    # --- uptake: push, uptake tracking, rates, follow-ups, calculators (POL-03, POL-06) ---
]
