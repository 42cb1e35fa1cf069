"""`t2jax report`: a self-contained HTML page whose every section embeds its figure and
whose every table number equals the JSON summary; each figure type draws from a small fit."""

import json
import re
import shlex
import shutil
import subprocess
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import t2jax
from t2jax.cli import main
from t2jax.report.html import lookup


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.cells, self._section, self._cell = {}, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = []
        elif tag == "img" and self._section:
            self.sections[self._section].append(attrs["src"])
        elif tag == "td" and "data-json" in attrs:
            self._cell = [attrs["data-json"], ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append(tuple(self._cell))
            self._cell = None

    @staticmethod
    def parse(out):
        page = Page()
        page.feed((out / "report.html").read_text())
        return page


def check_report(out):
    html = (out / "report.html").read_text()
    summary = json.loads((out / "summary.json").read_text(), parse_constant=lambda c: 1 / 0)
    page = Page()
    page.feed(html)
    figures = [s for s in page.sections if s != "provenance"]
    for name in figures:
        assert len(page.sections[name]) == 1 and page.sections[name][0].startswith("data:image/png;base64,"), name
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG" and (out / f"{name}.svg").exists()
    assert page.cells
    for path, text in page.cells:
        value = lookup(summary, path)
        if isinstance(value, float):  # shown to 4 significant figures, in full in data-value
            assert float(text) == pytest.approx(value, rel=5e-4, abs=1e-300), path
            assert f'data-value="{value!r}"' in html, path
        elif isinstance(value, int) and not isinstance(value, bool):
            assert text == str(value), path
        else:
            assert text == str(value), path
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # no network needed
    return page, summary


@pytest.mark.slow
def test_report_on_epoch_runs(tmp_path, capsys):
    from conftest import shared_file

    path = shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv")
    out = tmp_path / "epoch"
    argv = ["report", str(path), "--n-col", "Model Size", "--flops-col", "Training FLOP", "--bootstrap", "32",
            "--out", str(out)]
    assert main(argv) == 0
    page, summary = check_report(out)
    assert set(page.sections) == {"data-and-fitted-law", "residuals", "parameters-over-the-bootstrap-draws",
                                  "compute-optimal-n-c-and-d-c", "provenance"}
    assert summary["provenance"]["data_sha256"] and summary["bootstrap"]["resamples"] == 32
    assert main(argv) == 2 and "--force" in capsys.readouterr().err  # never overwrites silently


@pytest.fixture(scope="module")
def gsm8k_report(tmp_path_factory):
    from conftest import shared_file

    path = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    out = tmp_path_factory.mktemp("report") / "gsm8k"
    argv = ["report", str(path), "--law", "t2-loss", "--query", "benchmark == 'GSM8K'", "--bootstrap", "16",
            "--resample", "groups", "--train-flops", "2.56e19", "--inference-flops", "2e9", "--out", str(out),
            "--compare-laws", "t2-beta"]
    assert main(argv) == 0
    return out, argv


@pytest.mark.slow
def test_report_on_pythia_gsm8k_counts(gsm8k_report):
    out, argv = gsm8k_report
    page, summary = check_report(out)
    assert "t2-allocation-frontier" in page.sections
    assert summary["allocation"]["N"] > 0 and len(summary["frontier"]["N"]) == 13
    band = summary["allocation_intervals"]["N"]  # the bootstrap ran, so the allocation has intervals
    assert band["lower"] <= summary["allocation"]["N"] <= band["upper"] and summary["level"] == 0.95
    assert summary["allocation"]["budgets"] == {"train_flops": 2.56e19, "inference_flops_per_query": 2e9}
    assert shlex.split(summary["provenance"]["command"])[1:] == argv  # the command re-runs as it was given
    assert summary["provenance"]["device"] == "cpu" and isinstance(summary["provenance"]["seed"], int)
    html = (out / "report.html").read_text()
    assert all(f"Warning: {w}" in html.replace("&#x27;", "'") for w in summary["warnings"])
    assert all(c in html for c in summary["fit"]["dropped_checkpoints"])  # the dropped checkpoints are named
    decision = summary["decision"]  # --compare-laws: every law's optimum, the regrets, the minimax choice
    assert "decision-across-laws" in page.sections and list(decision["optima"]) == ["t2-loss", "t2-beta"]
    worst = decision["worst_regret"]
    assert worst["minimax"] <= min(worst["t2-loss"], worst["t2-beta"]) and decision["regret"]["t2-beta"]["t2-beta"] \
        == pytest.approx(1.0)
    assert decision["intervals"]["t2-loss"]["draws"]["N"]["lower"] == pytest.approx(band["lower"])


BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PROBE = """<!DOCTYPE html><html><body><iframe id="f" src="report.html" style="width:1200px;height:900px"></iframe>
<script>document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument, shown = Array.from(d.images).filter(function (i) {
    return i.complete && i.naturalWidth > 100 && i.naturalHeight > 100; });
  var out = document.createElement("pre"); out.id = "result";
  out.textContent = "sections=" + d.querySelectorAll("section").length + " images=" + d.images.length
                    + " shown=" + shown.length;
  document.body.appendChild(out); });</script></body></html>"""


@pytest.mark.skipif(BROWSER is None, reason="no headless Chromium on this machine (.ci/run installs Debian's chromium)")
@pytest.mark.slow
def test_report_renders_in_a_headless_browser(gsm8k_report):
    """The page as a reader's browser shows it: every figure decodes and is drawn (a
    screenshot, report-screenshot.png, is left beside the report)."""
    out, _ = gsm8k_report
    (out / "probe.html").write_text(PROBE)
    flags = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    dom = subprocess.run(flags + ["--allow-file-access-from-files", "--dump-dom", (out / "probe.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"sections=(\d+) images=(\d+) shown=(\d+)", dom)
    assert found, dom[-500:]
    sections, images, shown = map(int, found.groups())
    figures = len([s for s in Page.parse(out).sections if s != "provenance"])
    assert sections == figures + 1 and images == figures == shown
    shot = out / "report-screenshot.png"
    subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1200,3600", (out / "report.html").as_uri()],
                   capture_output=True, timeout=120)
    pixels = plt.imread(shot)
    assert pixels.shape[0] == 3600 and pixels[..., :3].std() > 0.05  # a drawn page, not a blank one


def test_report_refuses_before_any_work(tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    counts.write_text("model,problem_idx,N_params,D_tokens,n_samples,n_correct\n")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    cases = [(["--train-flops", "1e20", "--out", str(tmp_path / "a")], "needs both --train-flops and --inference-flops"),
             (["--out", str(blocked / "report")], "cannot create the report folder"),
             (["--compare-laws", "chinchilla", "--out", str(tmp_path / "b")], "--compare-laws compares pass@k laws"),
             (["--compare-laws", "t2-beta", "--out", str(tmp_path / "c")], "give --train-flops and --inference-flops")]
    for extra, message in cases:
        assert main(["report", str(counts), "--law", "t2-loss", *extra]) == 2
        assert message in capsys.readouterr().err


@pytest.fixture(scope="module")
def small():
    runs = t2jax.load_chinchilla()
    fit = t2jax.fit(runs)
    bed = t2jax.synthetic_t2(n_samples=128, n_questions=32, seed=0)
    table = t2jax.pass_k_table(bed.samples)
    t2 = t2jax.fit(table, "t2-loss")
    draws = pd.DataFrame([fit.params] * 8) * (1 + 0.01 * np.random.default_rng(0).standard_normal((8, 5)))
    return runs, fit, table, t2, draws


def _axes_are(fig, xlabel, xlog=True, ylog=None):
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel and ax.get_ylabel()
    assert (ax.get_xscale() == "log") == xlog
    if ylog is not None:
        assert (ax.get_yscale() == "log") == ylog


def test_each_figure_type(small):
    runs, fit, table, t2, draws = small
    _axes_are(t2jax.plot.loss_curves(fit, runs), "parameters N", ylog=False)
    _axes_are(t2jax.plot.passk_curves(t2, table), "samples per problem k", ylog=True)
    _axes_are(t2jax.plot.residuals(runs.N, runs.loss, fit.predict(runs.N, runs.D)), "parameters N")
    fig = t2jax.plot.parameter_draws(draws, fit.params)
    assert [a.get_xlabel() for a in fig.axes[:5]] == list(fit.params)
    band = t2jax.compute_optimal_intervals(draws, np.geomspace(1e20, 1e24, 5))
    _axes_are(t2jax.plot.compute_optimal_band(fit, band), "training FLOPs C", ylog=True)
    table_f = t2jax.frontier(t2, np.geomspace(1e18, 1e20, 4), 2e9)
    fig = t2jax.plot.frontier(table_f)
    assert len(fig.axes) == 3 and all(a.get_xscale() == "log" and a.get_yscale() == "log" for a in fig.axes)
