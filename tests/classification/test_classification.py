"""The classifier inside the app: the API, intake suggestions, corrections, versions and retraining."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hotline.classification.services import PREDICTOR_CACHE

COMPLAINT = "A市A1区东风路工地夜间施工噪音太大，严重扰民，要求环保部门处理"


def test_classify_uses_the_active_model(api, active_model):
    response = api.post(
        "/api/v1/classify", as_="agent1", json={"text": "A市公交车经常晚点，司机态度差，公交线路需要调整"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["model_version"] == active_model
    assert len(body["category"]) == 3
    assert {"code": "JT", "name": "交通运输"}.items() <= next(c for c in body["category"] if c["code"] == "JT").items()
    confidences = [c["confidence"] for c in body["category"]]
    assert confidences == sorted(confidences, reverse=True) and 0 < sum(confidences) <= 1.0001
    assert body["kind"] in ("consult", "help", "complaint", "report", "suggestion", "praise")
    assert body["urgency"] in ("urgent", "normal")


def test_classify_refuses_cleanly(api, app):
    PREDICTOR_CACHE.get(app).forget()  # a previous test's model must not linger
    assert api.client.post("/api/v1/classify", json={"text": "x"}).status_code == 401
    assert api.post("/api/v1/classify", as_="agent1", json={}).status_code == 422
    no_model = api.post("/api/v1/classify", as_="agent1", json={"text": "停水"})
    assert no_model.status_code == 503 and no_model.get_json()["error"]["code"] == "no_active_model"


def test_intake_suggests_and_stores_the_classification_with_its_version(api, app, active_model):
    response = api.post("/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": COMPLAINT})
    suggestions = response.get_json()["suggestions"]
    assert suggestions["model_version"] == active_model
    top = suggestions["categories"][0]["code"]
    assert "HB" in [c["code"] for c in suggestions["categories"]]
    assert response.get_json()["ticket"]["kind"] == "complaint"
    from hotline.classification.models import Classification
    from hotline.core.extensions import db

    with app.app_context():
        row = db.session.scalar(select(Classification))
        assert (row.model_version, row.categories[0]["code"]) == (active_model, top)


def test_intake_classifies_once_and_dispatch_proposes_from_that_classification(api, app, active_model, monkeypatch):
    from classifier.predictor import Predictor

    calls: list[list[str]] = []
    original = Predictor.predict_many

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(Predictor, "predict_many", counting)
    response = api.post(
        "/api/v1/tickets", as_="agent1", json={"channel": "phone", "content": COMPLAINT, "address": "A1区东风路8号"}
    )
    assert response.status_code == 201
    assert len(calls) == 1, calls  # the suggestion and the dispatch proposal share one prediction
    suggestions = response.get_json()["suggestions"]
    assert suggestions["proposal"]["classification"]["code"] == suggestions["categories"][0]["code"]


def test_agent_and_dispatcher_corrections_are_stored(api, app, active_model, jobs_in_process):
    from hotline.categories.services import load_taxonomy
    from hotline.classification.models import CategoryCorrection
    from hotline.core.extensions import db

    with app.app_context():
        load_taxonomy(db.session, Path(app.config["HOTLINE_DATA_DIR"]) / "taxonomy.csv")
        db.session.commit()
    top = api.post("/api/v1/classify", as_="agent1", json={"text": f" {COMPLAINT}"}).get_json()["category"][0]["code"]
    other = "JT" if top != "JT" else "WS"
    agent_choice = api.new_ticket(content=COMPLAINT, category=other)  # not what the model says
    assert agent_choice["category"] == other
    kept = api.new_ticket(content=COMPLAINT, category=top)  # same as the model: not a correction
    api.act(kept["number"], "dispatch", "dispatcher1", unit="A1", category=f"{other}.01")
    with app.app_context():
        rows = db.session.scalars(select(CategoryCorrection).order_by(CategoryCorrection.id)).all()
        assert [(r.suggested, r.chosen) for r in rows] == [(top, other), (top, f"{other}.01")]
        assert all(r.model_version == active_model and "噪音" in r.text for r in rows)
    events = api.get(f"/api/v1/tickets/{kept['number']}/events", as_="dispatcher1").get_json()["events"]
    dispatch = next(e for e in events if e["action"] == "dispatch")
    assert dispatch["data"]["category"] == {"from": top, "to": f"{other}.01"}


def test_promotion_refuses_a_worse_model_unless_forced(api, app, active_model, small_model_dir):
    import json
    import shutil

    from hotline.classification.models import ModelVersion
    from hotline.core.extensions import db

    worse_dir = Path(app.config["HOTLINE_MODELS_DIR"]) / "worse"
    shutil.copytree(small_model_dir, worse_dir, dirs_exist_ok=True)
    meta = json.loads((worse_dir / "metadata.json").read_text())
    meta["version"] = "worse-1"
    meta["scores"]["macro_f1"] = 0.1
    (worse_dir / "metadata.json").write_text(json.dumps(meta))
    with app.app_context():
        from hotline.classification.services import register_version

        register_version(db.session, Path(app.config["HOTLINE_MODELS_DIR"]), worse_dir)
        db.session.commit()
    assert api.post("/api/v1/classifier/versions/worse-1/promote", as_="supervisor1").status_code == 403
    refused = api.post("/api/v1/classifier/versions/worse-1/promote", as_="admin1")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "worse_model"
    forced = api.post("/api/v1/classifier/versions/worse-1/promote", as_="admin1", json={"force": True})
    assert forced.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ModelVersion.version).where(ModelVersion.active.is_(True))) == "worse-1"
    versions = api.get("/api/v1/classifier/versions", as_="admin1").get_json()
    assert [v["active"] for v in versions if v["version"] == active_model] == [False]


def test_retraining_adds_corrections_and_promotes_only_if_not_worse(app, world, active_model, tiny_csv):
    from hotline.classification.models import CategoryCorrection, ModelVersion
    from hotline.classification.services import retrain
    from hotline.core import clock
    from hotline.core.extensions import db
    from hotline.tickets.services import NewTicket, register_ticket

    root = Path(app.config["HOTLINE_MODELS_DIR"])
    with app.app_context():
        ticket, _ = register_ticket(db.session, NewTicket(channel="phone", content=COMPLAINT), None)
        db.session.add(
            CategoryCorrection(ticket_id=ticket.id, suggested="HB", chosen="CX", text=COMPLAINT, created_at=clock.now())
        )
        current = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
        current.metrics = {**current.metrics, "macro_f1": 0.999}  # an unbeatable incumbent
        db.session.commit()
        result = retrain(db.session, tiny_csv, root)
        assert (result.promoted, result.corrections, result.previous_macro_f1) == (False, 1, 0.999)
        current.metrics = {**current.metrics, "macro_f1": 0.0}
        db.session.commit()
        result = retrain(db.session, tiny_csv, root)
        db.session.commit()
        assert result.promoted is True
        assert db.session.scalar(select(ModelVersion.version).where(ModelVersion.active.is_(True))) == result.version
        db.session.remove()


def test_old_model_files_are_pruned_but_the_versions_stay_on_record(api, app, active_model, small_model_dir):
    """Each version's file is ~55 MB: only the active one and the newest few keep theirs."""
    import datetime as dt
    import json
    import shutil

    from classifier.artefacts import MODEL_FILE
    from hotline.classification.models import ModelVersion
    from hotline.classification.services import prune_model_files, register_version
    from hotline.core.extensions import db

    root = Path(app.config["HOTLINE_MODELS_DIR"])
    with app.app_context():
        for i in range(4):
            directory = root / f"old-{i}"
            shutil.copytree(small_model_dir, directory, dirs_exist_ok=True)
            meta = json.loads((directory / "metadata.json").read_text())
            meta["version"] = f"old-{i}"
            (directory / "metadata.json").write_text(json.dumps(meta))
            row = register_version(db.session, root, directory)
            row.created_at = dt.datetime(2026, 1, 1 + i, tzinfo=dt.UTC)  # older than the active one
        db.session.commit()
        pruned = prune_model_files(db.session, root, keep_recent=3)
        db.session.commit()
        assert sorted(pruned) == ["old-0", "old-1"]  # the active model and the 3 newest keep their files
        assert not (root / "old-0" / MODEL_FILE).exists() and (root / "old-0" / "metadata.json").exists()
        assert (root / "old-2" / MODEL_FILE).exists()
        assert db.session.scalar(select(ModelVersion).where(ModelVersion.version == "old-0")) is not None
    refused = api.post("/api/v1/classifier/versions/old-0/promote", as_="admin1", json={"force": True})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "model_file_pruned"
    assert (
        api.post("/api/v1/classify", as_="agent1", json={"text": COMPLAINT}).get_json()["model_version"] == active_model
    )
