"""Property-based fuzzing of every documented operation: no generated request may get a 5xx.

Schemathesis derives requests (valid and invalid) from the OpenAPI schema and sends them to the
app in-process (ASGI); a fixture points the app at a real trained store first, so valid
predict/explain bodies reach the models. Bounded to 30 examples per operation.

(The schema is loaded eagerly at import: ``schemathesis.pytest.from_fixture`` breaks on pytest 9.
Importing only builds the app — no training happens until the fixture runs.)
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.deps import ModelCache
from api.main import create_app
from api.settings import Settings
from tests.test_api_support import trained_store

pytestmark = pytest.mark.slow

app = create_app(settings=Settings(models_dir="/nonexistent-welllog-models", max_samples=5000, max_explain_samples=50))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# valid *and* invalid requests (wrong types, missing fields, out-of-range values)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])


@pytest.fixture(scope="module", autouse=True)
def real_store(force2020_dir):
    logging.getLogger("welllog").setLevel(logging.ERROR)
    models = trained_store(force2020_dir)
    app.state.settings = replace(app.state.settings, models_dir=models)
    app.state.models = ModelCache(models, "default")
    yield models
    # the fuzzing really reached the app, and the app itself never answered 5xx
    samples = [s for metric in app.state.metrics.registry.collect() if metric.name == "welllog_http_requests"
               for s in metric.samples if s.name.endswith("_total")]
    assert sum(s.value for s in samples) >= 100
    assert not [s.labels for s in samples if s.labels["status"].startswith("5")]
    statuses = {s.labels["status"] for s in samples}
    assert {"200", "422"} <= statuses


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error])
