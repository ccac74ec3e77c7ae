//! The headline: 指摘事項なし only when nothing needs attention, and in
//! words what does, whatever else the analysis holds.

use worklog_model::{Analysis, Category, CheckStatus, Language, Verdict, WaivedBy};
use worklog_report::ReportModel;

use crate::{analysis, generation};

/// The fixture with every item 適合, nothing found, nothing waived, every
/// log check holding: the one case that may read 指摘事項なし.
fn clean() -> Analysis {
    let mut a = analysis().clone();
    a.findings.clear();
    a.waived.clear();
    a.problems.clear();
    for r in &mut a.rollups {
        r.verdict = Verdict::Pass;
        r.counts = [(Verdict::Pass, 1)].into_iter().collect();
    }
    for v in &mut a.verdicts {
        v.verdict = Verdict::Pass;
    }
    for c in &mut a.log_checks {
        c.status = CheckStatus::Ok;
    }
    for d in &mut a.devices {
        if let Some(i) = &mut d.integrity {
            i.anomalies.clear();
            i.entries.clear();
        }
    }
    a
}

fn headline(a: &Analysis) -> (&'static str, Vec<(&'static str, String)>) {
    let model = ReportModel::new(a, Language::Ja, generation());
    let points = model
        .headline
        .attention
        .iter()
        .map(|p| (p.kind.as_str(), p.text.clone()))
        .collect();
    (model.headline.state.message_key(), points)
}

#[test]
fn only_a_clean_analysis_reads_no_findings() {
    let (state, points) = headline(&clean());
    assert_eq!(state, "overall_ok");
    assert!(points.is_empty());
}

#[test]
fn insufficient_evidence_is_never_shown_as_no_findings() {
    let mut a = clean();
    for r in a.rollups.iter_mut().take(6) {
        r.verdict = Verdict::InsufficientEvidence;
    }
    let (state, points) = headline(&a);
    assert_eq!(state, "overall_insufficient");
    assert_eq!(points[0].0, "insufficient");
    assert!(points[0].1.contains("証跡不足の項目"), "{}", points[0].1);
}

#[test]
fn blanket_waivers_and_leak_signals_need_attention() {
    let source = analysis();
    let mut a = clean();
    let item = source
        .findings
        .iter()
        .find(|f| f.category == Category::Item)
        .cloned()
        .unwrap();
    for line in [7, 7, 9] {
        a.waived.push(worklog_model::Finding {
            waived_by: Some(WaivedBy {
                line,
                reason: "一時的に許可".into(),
                approver: "管理部長".into(),
                expires: "2026-12-31".into(),
                all_devices: true,
            }),
            ..item.clone()
        });
    }
    let (state, points) = headline(&a);
    assert_eq!(state, "overall_review", "{points:?}");
    let blanket = &points.iter().find(|p| p.0 == "blanket_waiver").unwrap().1;
    assert!(
        blanket.contains("2 行") && blanket.contains("7、9") && blanket.contains("3 件"),
        "{blanket}"
    );

    let leak = source
        .findings
        .iter()
        .find(|f| f.rule_id == "agent_tamper")
        .cloned()
        .unwrap();
    a.findings.push(leak);
    let (_, points) = headline(&a);
    let signal = &points.iter().find(|p| p.0 == "leak").unwrap().1;
    assert!(
        signal.contains("監視エージェントの停止・ログ消去の試み 1"),
        "{signal}"
    );
}

#[test]
fn an_integrity_anomaly_comes_first() {
    let mut a = clean();
    a.rollups[0].verdict = Verdict::Fail;
    a.devices[0].integrity = Some(worklog_model::Integrity {
        segments_verified: 3,
        rows_verified: 100,
        anchors_matched: 1,
        pruned_through: None,
        anomalies: vec!["row_deleted device PC-0001 seq 5: a row was deleted".into()],
        classes: vec![worklog_model::AnomalyKind::RowDeleted],
        entries: vec![worklog_model::AnomalyEntry {
            class: worklog_model::AnomalyKind::RowDeleted,
            file: Some("device_id=PC-0001/seg-1.parquet".into()),
            first_seq: Some(5),
            last_seq: Some(5),
            ts: None,
            detail_en: "a row was deleted".into(),
        }],
        clock_windows: Vec::new(),
        late_deliveries: Vec::new(),
        newest_event: None,
    });
    let (state, points) = headline(&a);
    assert_eq!(state, "overall_integrity");
    assert_eq!(points[0].0, "integrity");
    assert_eq!(points[1].0, "fail");
}

#[test]
fn anomalies_are_located_in_words_of_the_language() {
    let entry = worklog_model::AnomalyEntry {
        class: worklog_model::AnomalyKind::RowDeleted,
        file: Some("seg-1.parquet".into()),
        first_seq: Some(5),
        last_seq: Some(9),
        ts: None,
        detail_en: "rows missing".into(),
    };
    let local = |_: i64| None;
    assert_eq!(
        worklog_report::anomaly_text(&entry, Language::Ja, &local),
        "行の削除(連番 5〜9、ファイル seg-1.parquet)"
    );
    assert_eq!(
        worklog_report::anomaly_text(&entry, Language::En, &local),
        "row deleted (events 5 to 9, file seg-1.parquet): rows missing"
    );
}
