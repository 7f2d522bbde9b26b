"""The container files, checked here since images cannot be built on this machine: the
Dockerfile passes hadolint and holds every package, compose.yaml wires a node as the README says."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = Path(sys.executable).with_name("hadolint")


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run([str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_holds_every_package_and_runs_unprivileged_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.MULTILINE))
    assert copied == {p.rstrip("*") for p in packages["packages"]["find"]["include"]}
    assert re.search(r"^USER \d+$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert re.search(r"^VOLUME /data$", dockerfile, re.MULTILINE)


def test_compose_runs_the_app_and_the_worker_on_one_index_and_shared_attachments():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "app", "worker"}
    app, worker = services["app"], services["worker"]
    assert worker["command"] == ["spravka", "worker"]
    assert app["environment"]["SPRAVKA_EMBEDDED_WORKER"] == "false"
    assert app["environment"] == worker["environment"]
    assert app["environment"]["SPRAVKA_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert (
        set(app["volumes"])
        == set(worker["volumes"])
        == {
            "data:/data",
            "attachments:/attachments",
        }
    )
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"
