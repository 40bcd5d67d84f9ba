//! `caisse import-django`: the two Django databases of `tests/fixtures` (written by the Django
//! backend of November 2025 and of July 2026) loaded into throwaway databases and brought
//! across by the operator's own command, then the cut-over evening played out: a sale Django
//! received between two imports, a sale that reached both servers, a till's queued sale naming
//! a Django article id.

use crate::common::server::caisse_check;
use crate::common::{TestApp, empty_database};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A new database holding the Django fixture `name` (`django-d0` or `django-d1`).
async fn django(name: &str) -> (PgPool, String) {
    let (options, url) = empty_database("django").await;
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.sql.gz"));
    let dump = Command::new("gunzip")
        .arg("-c")
        .arg(&file)
        .output()
        .expect("gunzip");
    assert!(dump.status.success(), "gunzip {}", file.display());
    // pg_dump's `\restrict` guard lines are meta-commands older psql do not know.
    let sql: Vec<u8> = dump
        .stdout
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| !line.starts_with(b"\\restrict") && !line.starts_with(b"\\unrestrict"))
        .flatten()
        .copied()
        .collect();
    // The directory of all the server's programs, not a directory of links to some of them.
    let pg_ctl = caisse::db::local::find_bindir()
        .expect("PostgreSQL binaries")
        .join("pg_ctl");
    let psql = std::fs::canonicalize(pg_ctl)
        .expect("pg_ctl")
        .with_file_name("psql");
    let mut child = Command::new(psql)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql");
    child.stdin.take().unwrap().write_all(&sql).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "loading {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (PgPool::connect_with(options).await.unwrap(), url)
}

/// A new, migrated, empty caisse database.
async fn caisse_database() -> (PgPool, sqlx::postgres::PgConnectOptions, String) {
    let (options, url) = empty_database("caisse_import").await;
    let pool = PgPool::connect_with(options.clone()).await.unwrap();
    caisse::db::migrate(&pool).await.expect("migrate");
    (pool, options, url)
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// `caisse import-django --from <django> [--dry-run]` against the caisse database `url`.
fn import(url: &str, from: &str, dry_run: bool) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_caisse"));
    command
        .args(["import-django", "--from", from])
        .env("DATABASE_URL", url)
        .env("CAISSE_LOG", "error");
    if dry_run {
        command.arg("--dry-run");
    }
    let out = command.output().expect("caisse import-django");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The report of the last import, as kept with it.
async fn report(pool: &PgPool) -> Value {
    sqlx::query_scalar("SELECT rapport FROM reprises_django ORDER BY id DESC LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn finding_ids(report: &Value, code: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .map(|f| {
            f["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn brought(report: &Value, what: &str) -> i64 {
    report["brought"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == what)
        .map_or(0, |c| c["count"].as_i64().unwrap())
}

async fn text(pool: &PgPool, sql: &str) -> String {
    sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_default()
}

async fn number(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every id the tills hold, with its shop and what goes with it, identical on both sides.
async fn assert_same_ids(django: &PgPool, caisse: &PgPool) {
    let pairs = [
        (
            "SELECT string_agg(id || ':' || code_boutique, ',' ORDER BY id) FROM inventory_boutique",
            "SELECT string_agg(id || ':' || code_boutique, ',' ORDER BY id) FROM boutiques",
        ),
        (
            "SELECT string_agg(id || ':' || boutique_id || ':' || numero_serie || ':' || est_actif, ',' ORDER BY id)
             FROM inventory_client",
            "SELECT string_agg(id || ':' || boutique_id || ':' || numero_serie || ':' || est_actif, ',' ORDER BY id)
             FROM terminaux",
        ),
        (
            "SELECT string_agg(id || ':' || boutique_id || ':' || code || ':' || quantite_stock || ':' || prix_vente,
                               ',' ORDER BY id) FROM inventory_article",
            "SELECT string_agg(id || ':' || boutique_id || ':' || code || ':' || quantite_stock || ':' || prix_vente,
                               ',' ORDER BY id) FROM articles",
        ),
        (
            "SELECT string_agg(id || ':' || boutique_id || ':' || client_maui_id || ':' || numero_facture, ','
                               ORDER BY id) FROM inventory_vente",
            "SELECT string_agg(id || ':' || boutique_id || ':' || terminal_id || ':' || numero_facture, ','
                               ORDER BY id) FROM ventes",
        ),
        (
            "SELECT string_agg(boutique_id || ':' || s, ',' ORDER BY boutique_id)
             FROM (SELECT boutique_id, sum(quantite_stock) AS s FROM inventory_article GROUP BY 1) x",
            "SELECT string_agg(boutique_id || ':' || s, ',' ORDER BY boutique_id)
             FROM (SELECT boutique_id, sum(quantite_stock) AS s FROM articles GROUP BY 1) x",
        ),
    ];
    for (in_django, in_caisse) in pairs {
        let expected = text(django, in_django).await;
        assert!(!expected.is_empty(), "{in_django}");
        assert_eq!(text(caisse, in_caisse).await, expected, "{in_caisse}");
    }
}

/// Everything an import may touch, to compare before and after.
async fn fingerprint(caisse: &PgPool) -> String {
    text(
        caisse,
        "SELECT md5(concat_ws('|',
           (SELECT string_agg(b::text, ',' ORDER BY b.id) FROM boutiques b),
           (SELECT string_agg(concat_ws(';', t.id, t.numero_serie, t.est_actif, t.version_app_maui,
                                        t.derniere_activite), ',' ORDER BY t.id) FROM terminaux t),
           (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM categories c),
           (SELECT string_agg(concat_ws(';', a.id, a.code, a.nom, a.prix_vente, a.quantite_stock,
                                        a.stock_initial, a.est_actif), ',' ORDER BY a.id) FROM articles a),
           (SELECT string_agg(v::text, ',' ORDER BY v.id) FROM ventes v),
           (SELECT string_agg(l::text, ',' ORDER BY l.id) FROM lignes_vente l),
           (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM mouvements_stock m),
           (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM alertes_stock a)))",
    )
    .await
}

#[tokio::test]
async fn the_2025_database_comes_across_with_every_id_and_its_inconsistencies_reported() {
    let (django, django_url) = django("django-d0").await;
    let (caisse, _, url) = caisse_database().await;

    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("Django database of the 2025-11 backend\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  - sales without lines (6): 71, 130, 159, 263, 585, 1145"),
        "{}",
        run.stdout
    );

    assert_same_ids(&django, &caisse).await;
    for (sql, expected) in [
        ("SELECT count(*) FROM commercants", 2),
        ("SELECT count(*) FROM boutiques", 4),
        ("SELECT count(*) FROM terminaux", 9),
        ("SELECT count(*) FROM categories", 24),
        ("SELECT count(*) FROM articles", 586),
        ("SELECT count(*) FROM ventes WHERE reprise", 2001),
        ("SELECT count(*) FROM lignes_vente", 3672),
        ("SELECT count(*) FROM mouvements_stock WHERE reprise", 3911),
        // The 2025 backend refused to sell past zero: so does caisse.
        (
            "SELECT count(*) FROM boutiques WHERE politique_stock = 'STRICT'",
            4,
        ),
        // Till 4 was disabled in Django; its replacement 9 was not.
        (
            "SELECT count(*) FROM terminaux WHERE NOT est_actif AND id = 4",
            1,
        ),
        // Django's API keys are not brought.
        (
            "SELECT count(*) FROM django_lignes WHERE donnees ? 'cle_api' OR donnees ? 'cle_api_boutique'",
            0,
        ),
    ] {
        assert_eq!(number(&caisse, sql).await, expected, "{sql}");
    }

    let report = report(&caisse).await;
    assert_eq!(report["schema"], "2025-11");
    assert_eq!(
        finding_ids(&report, "sale_without_lines"),
        ["71", "130", "159", "263", "585", "1145"]
    );
    assert_eq!(
        finding_ids(&report, "sale_movement_without_sale"),
        ["179", "418", "484", "758", "2808", "2809", "3295"]
    );
    assert_eq!(finding_ids(&report, "movement_chain_broken").len(), 23);
    assert_eq!(finding_ids(&report, "movement_without_stock").len(), 215);
    assert_eq!(
        finding_ids(&report, "stock_not_last_movement"),
        ["74", "195", "378", "528", "553"]
    );
    // Each article whose stock is not where its journal leads it got one opening adjustment,
    // and its journal leads to Django's stock from then on.
    let openings = number(
        &caisse,
        "SELECT count(*) FROM mouvements_stock
         WHERE reference_document = 'REPRISE-DJANGO' AND NOT reprise AND type_mouvement = 'AJUSTEMENT'",
    )
    .await;
    assert_eq!(openings, brought(&report, "opening adjustments"));
    assert!(openings >= 5, "{openings}");

    let (clean, out) = caisse_check(&url);
    assert!(clean, "{out}");
    assert!(
        out.contains("inherited from the Django import")
            && out.contains("sales without lines (6): 71, 130, 159, 263, 585, 1145"),
        "{out}"
    );

    // Again: nothing changes.
    let before = fingerprint(&caisse).await;
    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("brought: nothing new since the last import"),
        "{}",
        run.stdout
    );
    assert_eq!(fingerprint(&caisse).await, before);
}

#[tokio::test]
async fn the_2026_database_comes_across_in_both_currencies_selling_past_zero() {
    let (django, django_url) = django("django-d1").await;
    let (caisse, _, url) = caisse_database().await;

    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert_same_ids(&django, &caisse).await;

    for (sql, expected) in [
        ("SELECT count(*) FROM boutiques", 5),
        (
            "SELECT count(*) FROM boutiques WHERE politique_stock = 'AUTORISER_NEGATIF'",
            5,
        ),
        ("SELECT count(*) FROM terminaux", 8),
        ("SELECT count(*) FROM categories", 20),
        ("SELECT count(*) FROM articles", 499),
        ("SELECT count(*) FROM articles WHERE devise = 'USD'", 21),
        ("SELECT count(*) FROM variantes_articles", 3),
        ("SELECT count(*) FROM ventes", 2066),
        ("SELECT count(*) FROM ventes WHERE annulee", 53),
        // The one line of no quantity (sale 170) stays a Django row.
        ("SELECT count(*) FROM lignes_vente", 3730),
        ("SELECT count(*) FROM lignes_vente WHERE id = 280", 0),
        (
            "SELECT count(*) FROM lignes_vente WHERE variante_id IS NOT NULL",
            14,
        ),
        ("SELECT count(*) FROM mouvements_stock WHERE reprise", 4634),
        ("SELECT count(*) FROM alertes_stock", 25),
        ("SELECT count(*) FROM ventes_rejetees", 12),
        (
            "SELECT quantite_stock::int8 FROM articles WHERE id = 146",
            -1,
        ),
        // A cancelled sale's lines are given back, as caisse's own cancellation does.
        (
            "SELECT count(*) FROM lignes_vente l JOIN ventes v ON v.id = l.vente_id
             WHERE v.annulee AND l.quantite_retournee <> l.quantite",
            0,
        ),
        // Merchant 1's rate, 2850, is its shops' rate.
        (
            "SELECT taux_courant::int8 FROM boutiques WHERE id = 3",
            2850,
        ),
        (
            "SELECT taux_courant::int8 FROM boutiques WHERE id = 5",
            2800,
        ),
    ] {
        assert_eq!(number(&caisse, sql).await, expected, "{sql}");
    }
    // USD sales in one form, whichever way Django stored them: online sale 16 (0 in
    // montant_total) and synced sale 29 (dollars in both).
    assert_eq!(
        text(
            &caisse,
            "SELECT string_agg(id || ':' || devise || ':' || montant_total || ':' || montant_total_usd, ','
                               ORDER BY id) FROM ventes WHERE id IN (16, 29)"
        )
        .await,
        "16:USD:44.00:44.00,29:USD:179.00:179.00"
    );
    assert_eq!(
        text(&caisse, "SELECT fuseau_horaire FROM boutiques WHERE id = 5").await,
        "Africa/Lubumbashi"
    );

    let report = report(&caisse).await;
    assert_eq!(report["schema"], "2026-07");
    assert_eq!(
        finding_ids(&report, "usd_sale_total_in_usd_column").len(),
        13
    );
    assert_eq!(finding_ids(&report, "line_without_quantity"), ["280"]);
    assert_eq!(finding_ids(&report, "negative_stock"), ["146"]);
    assert_eq!(
        finding_ids(&report, "stock_not_sum_of_movements"),
        ["124", "271"]
    );
    assert_eq!(finding_ids(&report, "depot"), ["1", "2"]);
    assert_eq!(
        text(
            &caisse,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM boutiques WHERE est_depot"
        )
        .await,
        "1,2"
    );
    assert_eq!(finding_ids(&report, "kept_transfertstock").len(), 58);
    assert_eq!(
        number(
            &caisse,
            "SELECT count(*) FROM django_lignes WHERE nature = 'inventory_transfertstock'"
        )
        .await,
        58
    );

    let (clean, out) = caisse_check(&url);
    assert!(clean, "{out}");
}

#[tokio::test]
async fn a_dry_run_reports_the_same_and_writes_nothing() {
    let (_django, django_url) = django("django-d0").await;
    let (caisse, _, url) = caisse_database().await;

    let run = import(&url, &django_url, true);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("Django database of the 2025-11 backend (dry run: nothing written)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("sales 2001") && run.stdout.contains("sales without lines (6)"),
        "{}",
        run.stdout
    );
    for table in [
        "boutiques",
        "articles",
        "ventes",
        "mouvements_stock",
        "django_lignes",
        "reprises_django",
    ] {
        assert_eq!(
            number(&caisse, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    // (Sequences are not transactional in PostgreSQL: a dry run may leave ids skipped, which
    // the real import skips anyway.) The real import after it brings everything.
    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert_eq!(number(&caisse, "SELECT count(*) FROM ventes").await, 2001);
}

#[tokio::test]
async fn an_import_into_a_database_already_in_use_is_refused() {
    let (_django, django_url) = django("django-d0").await;
    let app = TestApp::spawn().await;
    let url = crate::common::url_of(&app.pool);
    let before = app.fingerprint().await;

    let run = import(&url, &django_url, false);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains("already holds shops or merchants"),
        "{}",
        run.stderr
    );
    assert_eq!(app.fingerprint().await, before);

    // Not a Django database at all.
    let (_, empty) = empty_database("not_django").await;
    let (_, _, target) = caisse_database().await;
    let run = import(&target, &empty, false);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("not the tills' Django backend"),
        "{}",
        run.stderr
    );
}

/// The evening: import while Django serves, switch the tills, import again.
#[tokio::test]
async fn the_cut_over_evening_brings_each_sale_once_and_the_tills_sync_with_their_django_ids() {
    let (django, django_url) = django("django-d1").await;
    let (caisse, options, url) = caisse_database().await;
    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);

    // Articles 1 and 2 of shop 3 (Mwamba Gombe), tills 1 and 2 of that shop.
    let stock = |id: i64| {
        let caisse = caisse.clone();
        async move {
            number(
                &caisse,
                &format!("SELECT quantite_stock::int8 FROM articles WHERE id = {id}"),
            )
            .await
        }
    };
    let (stock_1, stock_2) = (stock(1).await, stock(2).await);

    // The tills are switched to caisse. Till 2 had sent DUP-0001 to Django just before, and
    // sends it again to caisse; till 1's sale FAC-LATE reached Django only.
    let app = TestApp::spawn_on(options).await;
    let sent = app
        .sync(
            "ce69b828b14dc234",
            &json!([{"numero_facture": "DUP-0001", "mode_paiement": "CASH", "paye": true,
                     "lignes": [{"article_id": 2, "quantite": 1, "prix_unitaire": 1200.00}]}]),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(stock(2).await, stock_2 - 1);
    for (till, numero, article, quantite, prix) in [
        (2, "DUP-0001", 2, 1, "1200.00"),
        (1, "FAC-LATE", 1, 2, "600.00"),
    ] {
        django_sale(&django, till, numero, article, quantite, prix).await;
    }

    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    let report = report(&caisse).await;
    assert_eq!(brought(&report, "sales"), 1, "{report}");
    assert_eq!(brought(&report, "sale lines"), 1, "{report}");
    let dup_in_django = text(
        &django,
        "SELECT id::text FROM inventory_vente WHERE numero_facture = 'DUP-0001'",
    )
    .await;
    assert_eq!(
        finding_ids(&report, "sales_on_both_servers"),
        [dup_in_django]
    );
    assert_eq!(
        app.sales_with_number("ce69b828b14dc234", "DUP-0001").await,
        1
    );
    assert_eq!(
        app.sales_with_number("8400f081c926ad9c", "FAC-LATE").await,
        1
    );
    // FAC-LATE's two units are gone; DUP-0001's unit was taken out once, by caisse.
    assert_eq!(stock(1).await, stock_1 - 2);
    assert_eq!(stock(2).await, stock_2 - 1);
    let (clean, out) = caisse_check(&url);
    assert!(clean, "{out}");

    // A third import has nothing to bring.
    let before = fingerprint(&caisse).await;
    let run = import(&url, &django_url, false);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    assert_eq!(fingerprint(&caisse).await, before);

    // A sale queued in till 3 during the evening, naming Django's article 3, syncs into caisse.
    let stock_3 = stock(3).await;
    let queued = app
        .sync(
            "a4187442414ae369",
            &json!([{"numero_facture": "VTE-QUEUED-1", "mode_paiement": "CASH", "paye": true,
                     "lignes": [{"article_id": 3, "quantite": 3, "prix_unitaire": 3000.00}]}]),
        )
        .await;
    assert_eq!(queued.status, 201, "{}", queued.body);
    assert_eq!(
        queued.body["details"]["creees"][0]["lignes"][0]["article_id"],
        3
    );
    assert_eq!(stock(3).await, stock_3 - 3);
    // caisse's own ids start above Django's, with room.
    let id: i64 = queued.body["details"]["creees"][0]["id"].as_i64().unwrap();
    assert!(id > 1_000_000, "{id}");
    let (clean, out) = caisse_check(&url);
    assert!(clean, "{out}");
}

/// A sale as the Django backend records one: the sale, its line, its `VENTE` movement and the
/// decrement of the article's stock.
async fn django_sale(
    django: &PgPool,
    till: i64,
    numero: &str,
    article: i64,
    quantite: i32,
    prix: &str,
) {
    let mut tx = django.begin().await.unwrap();
    let prix: rust_decimal::Decimal = prix.parse().unwrap();
    let vente: i64 = sqlx::query_scalar(
        "INSERT INTO inventory_vente (numero_facture, date_vente, montant_total, paye, mode_paiement,
                                      version_app_maui, client_maui_id, boutique_id, annulee_par,
                                      est_annulee, motif_annulation, devise, created_at)
         SELECT $1, now(), $2 * $3, true, 'CASH', '2.6.0', c.id, c.boutique_id, '', false, '', 'CDF', now()
         FROM inventory_client c WHERE c.id = $4
         RETURNING id",
    )
    .bind(numero)
    .bind(prix)
    .bind(rust_decimal::Decimal::from(quantite))
    .bind(till)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO inventory_lignevente (quantite, prix_unitaire, article_id, vente_id, devise,
                                           est_negocie, motif_reduction)
         VALUES ($1, $2, $3, $4, 'CDF', false, '')",
    )
    .bind(quantite)
    .bind(prix)
    .bind(article)
    .bind(vente)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH a AS (UPDATE inventory_article SET quantite_stock = quantite_stock - $1
                    WHERE id = $2 RETURNING quantite_stock)
         INSERT INTO inventory_mouvementstock (type_mouvement, quantite, date_mouvement, commentaire,
                                               article_id, stock_avant, stock_apres,
                                               reference_document, utilisateur)
         SELECT 'VENTE', -$1, now(), 'Vente #' || $3, $2, a.quantite_stock + $1, a.quantite_stock, $3, 'Caisse'
         FROM a",
    )
    .bind(quantite)
    .bind(article)
    .bind(numero)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
