//! The statements of an import, over the Django rows kept in `django_lignes` and their typed
//! views (`django_articles`, `django_ventes`, …). Each applies the rows that are new or changed
//! since the last import and leaves the others alone, so running a step again changes nothing.

use super::Count;
use sqlx::PgConnection;

/// Room left above Django's ids for the rows Django still creates until the tills are switched.
const ID_ROOM: i64 = 1_000_000;

/// Keeps Django rows as they are now (`donnees`); what was brought before stays in `appliquee`.
pub(super) async fn stage(
    conn: &mut PgConnection,
    table: &str,
    rows: &[serde_json::Value],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO django_lignes (nature, id, donnees)
           SELECT $1, (r.donnees->>'id')::int8, r.donnees
           FROM jsonb_array_elements($2::jsonb) AS r(donnees)
           ON CONFLICT (nature, id) DO UPDATE
           SET donnees = EXCLUDED.donnees, date_lecture = now()"#,
        table,
        serde_json::Value::Array(rows.to_vec())
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The rows of `table` read by an earlier import but no longer in Django (e.g. a deleted
/// article): kept in caisse, listed in the report.
pub(super) async fn gone(conn: &mut PgConnection, table: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT nature || ' ' || id AS "row!" FROM django_lignes
           WHERE nature = $1 AND date_lecture < now() ORDER BY id"#,
        table
    )
    .fetch_all(&mut *conn)
    .await
}

/// Settings of an import's transactions. History is written without notifying the tills
/// movement by movement (they learn the stock from the catalogue). The typed views decode
/// Django's JSON row by row and the planner cannot estimate how many rows they give: hash
/// joins keep every statement linear in the size of the chain.
pub(super) async fn settings(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT set_config('caisse.sans_notifications', 'on', true)
                  || set_config('enable_nestloop', 'off', true) || set_config('jit', 'off', true)
                  AS "set!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(())
}

/// Moves caisse's sequences above Django's ids, with room for what Django creates until the
/// switch: ids caisse gives from now on never meet an id a later import brings.
pub(super) async fn sequences(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"SELECT setval(s.seq, GREATEST(COALESCE(ps.last_value, 0), t.plus_grand + $1))
           FROM (SELECT 'commercants' AS tbl, max(id) AS plus_grand FROM django_commercants
                 UNION ALL SELECT 'boutiques', max(id) FROM django_boutiques
                 UNION ALL SELECT 'terminaux', max(id) FROM django_terminaux
                 UNION ALL SELECT 'categories', max(id) FROM django_categories
                 UNION ALL SELECT 'articles', max(id) FROM django_articles
                 UNION ALL SELECT 'variantes_articles', max(id) FROM django_variantes
                 UNION ALL SELECT 'ventes', max(id) FROM django_ventes
                 UNION ALL SELECT 'lignes_vente', max(id) FROM django_lignes_vente
                 UNION ALL SELECT 'mouvements_stock', max(id) FROM django_mouvements
                 UNION ALL SELECT 'alertes_stock', max(id) FROM django_alertes
                 UNION ALL SELECT 'ventes_rejetees', max(id) FROM django_ventes_rejetees) t
           CROSS JOIN LATERAL (SELECT pg_get_serial_sequence(t.tbl, 'id') AS seq) s
           JOIN pg_sequences ps ON ps.schemaname || '.' || ps.sequencename = s.seq
           WHERE t.plus_grand IS NOT NULL"#,
        ID_ROOM
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(())
}

/// Thousands of rows were just written in this transaction: the planner must know.
pub(super) async fn refresh_statistics(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "ANALYZE django_lignes, commercants, boutiques, terminaux, categories, articles, \
         variantes_articles, ventes, lignes_vente, mouvements_stock",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn count(brought: &mut Vec<Count>, what: &str, n: u64) {
    match brought.iter_mut().find(|c| c.what == what) {
        Some(c) => c.count += n as i64,
        None => brought.push(Count {
            what: what.to_owned(),
            count: n as i64,
        }),
    }
}

/// Merchants, shops, tills, categories, articles and variants: created with their Django ids,
/// or updated when Django changed them since the last import (never an article's stock: see
/// `history`). Shops of the 2026 backend, which always sold past zero, keep doing so.
pub(super) async fn structure(
    conn: &mut PgConnection,
    sold_past_zero: bool,
    brought: &mut Vec<Count>,
) -> Result<(), sqlx::Error> {
    let n = sqlx::query!(
        r#"INSERT INTO commercants (id, nom, email, est_actif, date_creation, taux_dollar)
           SELECT c.id, c.nom_entreprise, NULLIF(c.email, ''), COALESCE(c.est_actif, true),
                  COALESCE(c.date_creation, now()), COALESCE(c.taux_dollar, 2800.00)
           FROM django_commercants c
           WHERE c.a_appliquer AND c.nom_entreprise <> ''
           ON CONFLICT (id) DO UPDATE
           SET nom = EXCLUDED.nom, email = EXCLUDED.email, est_actif = EXCLUDED.est_actif,
               taux_dollar = EXCLUDED.taux_dollar"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "merchants", n);
    sqlx::query!(
        r#"INSERT INTO taux_change (commercant_id, taux_dollar, modifie_par)
           SELECT c.id, c.taux_dollar, 'import-django'
           FROM django_commercants c
           JOIN commercants m ON m.id = c.id
           WHERE c.a_appliquer AND c.taux_dollar IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM taux_change t
                             WHERE t.commercant_id = c.id AND t.taux_dollar = c.taux_dollar
                               AND t.date_effet = (SELECT max(u.date_effet) FROM taux_change u
                                                   WHERE u.commercant_id = c.id))"#
    )
    .execute(&mut *conn)
    .await?;

    // A shop's own rate overrides its merchant's; Django gave every shop 2800.00 by default,
    // so only a rate set apart from both is an override.
    let shops = sqlx::query_scalar!(
        r#"INSERT INTO boutiques (id, commercant_id, nom, code_boutique, type_commerce, ville,
                                  adresse, devise, alerte_stock_bas, est_active, date_creation,
                                  politique_stock, fuseau_horaire, taux_dollar, pos_autorise,
                                  est_depot)
           SELECT b.id, m.id, b.nom, COALESCE(NULLIF(b.code_boutique, ''), 'DJANGO-' || b.id),
                  COALESCE(b.type_commerce, ''), COALESCE(b.ville, ''), COALESCE(b.adresse, ''),
                  COALESCE(NULLIF(b.devise, ''), 'CDF'), GREATEST(COALESCE(b.alerte_stock_bas, 5), 0),
                  COALESCE(b.est_active, true), COALESCE(b.date_creation, now()),
                  CASE WHEN $1 THEN 'AUTORISER_NEGATIF' ELSE 'STRICT' END,
                  -- The east and south of the country keep Central Africa Time (UTC+2).
                  CASE WHEN b.ville ~* '(lubumbashi|likasi|kolwezi|goma|bukavu|kisangani|kindu|uvira|butembo|kalemie|mbuji|kananga)'
                       THEN 'Africa/Lubumbashi' ELSE 'Africa/Kinshasa' END,
                  CASE WHEN b.taux_dollar > 0 AND b.taux_dollar <> 2800.00
                            AND b.taux_dollar IS DISTINCT FROM c.taux_dollar
                       THEN b.taux_dollar END,
                  COALESCE(b.pos_autorise, true), COALESCE(b.est_depot, false)
           FROM django_boutiques b
           LEFT JOIN django_commercants c ON c.id = b.commercant_id
           LEFT JOIN commercants m ON m.id = b.commercant_id
           WHERE b.a_appliquer AND b.nom <> ''
           ON CONFLICT (id) DO UPDATE
           SET commercant_id = EXCLUDED.commercant_id, nom = EXCLUDED.nom,
               type_commerce = EXCLUDED.type_commerce, ville = EXCLUDED.ville,
               adresse = EXCLUDED.adresse, devise = EXCLUDED.devise,
               alerte_stock_bas = EXCLUDED.alerte_stock_bas, est_active = EXCLUDED.est_active,
               taux_dollar = EXCLUDED.taux_dollar, pos_autorise = EXCLUDED.pos_autorise,
               est_depot = EXCLUDED.est_depot
           RETURNING id"#,
        sold_past_zero
    )
    .fetch_all(&mut *conn)
    .await?;
    count(brought, "shops", shops.len() as u64);
    crate::rates::refresh(conn, &shops).await?;

    // Django's API keys are not brought: an imported till gets a key nobody knows, and comes
    // in on its serial alone (`cle_requise` false) as the deployed tills expect, until a
    // manager gives it a key and requires it.
    let n = sqlx::query!(
        r#"INSERT INTO terminaux (id, boutique_id, numero_serie, nom_terminal, cle_api_hash, est_actif,
                                 version_app_maui, derniere_activite, date_creation, cle_requise)
           SELECT t.id, t.boutique_id, t.numero_serie,
                  COALESCE(NULLIF(t.nom_terminal, ''), t.numero_serie),
                  encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'),
                  COALESCE(t.est_actif, true), NULLIF(t.version_app_maui, ''), t.derniere_activite,
                  COALESCE(t.date_creation, now()), false
           FROM django_terminaux t
           JOIN boutiques b ON b.id = t.boutique_id
           WHERE t.a_appliquer AND t.numero_serie <> ''
           ON CONFLICT (id) DO UPDATE
           SET nom_terminal = EXCLUDED.nom_terminal, est_actif = EXCLUDED.est_actif,
               version_app_maui = COALESCE(EXCLUDED.version_app_maui, terminaux.version_app_maui),
               derniere_activite = GREATEST(terminaux.derniere_activite, EXCLUDED.derniere_activite)"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "tills", n);

    let n = sqlx::query!(
        r#"INSERT INTO categories (id, boutique_id, nom, description, date_creation, last_updated)
           SELECT c.id, c.boutique_id, c.nom, COALESCE(c.description, ''),
                  COALESCE(c.date_creation, now()), COALESCE(c.last_updated, c.date_creation, now())
           FROM django_categories c
           JOIN boutiques b ON b.id = c.boutique_id
           WHERE c.a_appliquer AND c.nom <> ''
           ON CONFLICT (boutique_id, id) DO UPDATE
           SET nom = EXCLUDED.nom, description = EXCLUDED.description,
               last_updated = EXCLUDED.last_updated"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "categories", n);

    // A new article starts at Django's stock; `history` puts that stock in the journal.
    let n = sqlx::query!(
        r#"INSERT INTO articles (id, boutique_id, code, nom, description, prix_vente, prix_achat,
                                categorie_id, stock_initial, quantite_stock, est_actif,
                                date_creation, date_modification, devise, prix_vente_usd,
                                prix_achat_usd, est_valide_client, quantite_envoyee, date_envoi,
                                date_validation, date_suppression, last_updated, version)
           SELECT a.id, a.boutique_id, COALESCE(NULLIF(a.code, ''), 'DJANGO-' || a.id), a.nom,
                  COALESCE(a.description, ''), a.prix_vente, COALESCE(a.prix_achat, 0), c.id,
                  COALESCE(a.quantite_stock, 0), COALESCE(a.quantite_stock, 0),
                  COALESCE(a.est_actif, true), COALESCE(a.date_creation, now()),
                  COALESCE(a.date_mise_a_jour, now()), COALESCE(NULLIF(a.devise, ''), 'CDF'),
                  a.prix_vente_usd, a.prix_achat_usd, COALESCE(a.est_valide_client, true),
                  GREATEST(COALESCE(a.quantite_envoyee, 0), 0), a.date_envoi, a.date_validation,
                  a.date_suppression, COALESCE(a.last_updated, a.date_mise_a_jour, now()),
                  GREATEST(COALESCE(a.version, 1), 1)
           FROM django_articles a
           JOIN boutiques b ON b.id = a.boutique_id
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           WHERE a.a_appliquer AND a.nom <> '' AND a.prix_vente >= 0
             AND COALESCE(a.prix_achat, 0) >= 0 AND COALESCE(a.prix_vente_usd, 0) >= 0
             AND COALESCE(a.prix_achat_usd, 0) >= 0
           ON CONFLICT (boutique_id, id) DO UPDATE
           SET code = EXCLUDED.code, nom = EXCLUDED.nom, description = EXCLUDED.description,
               prix_vente = EXCLUDED.prix_vente, prix_achat = EXCLUDED.prix_achat,
               categorie_id = EXCLUDED.categorie_id, est_actif = EXCLUDED.est_actif,
               date_modification = EXCLUDED.date_modification, devise = EXCLUDED.devise,
               prix_vente_usd = EXCLUDED.prix_vente_usd, prix_achat_usd = EXCLUDED.prix_achat_usd,
               est_valide_client = EXCLUDED.est_valide_client,
               quantite_envoyee = EXCLUDED.quantite_envoyee, date_envoi = EXCLUDED.date_envoi,
               date_validation = EXCLUDED.date_validation,
               date_suppression = EXCLUDED.date_suppression, last_updated = now(),
               version = articles.version + 1"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "articles", n);

    let n = sqlx::query!(
        r#"INSERT INTO variantes_articles (id, boutique_id, article_parent_id, code_barre, nom_variante,
                                          type_attribut, est_actif, date_creation, date_mise_a_jour)
           SELECT v.id, a.boutique_id, a.id, v.code_barre, v.nom_variante,
                  CASE WHEN v.type_attribut IN ('COULEUR', 'TAILLE', 'PARFUM', 'POIDS', 'VOLUME', 'MODELE')
                       THEN v.type_attribut ELSE 'AUTRE' END,
                  COALESCE(v.est_actif, true), COALESCE(v.date_creation, now()),
                  COALESCE(v.date_mise_a_jour, now())
           FROM django_variantes v
           JOIN django_articles d ON d.id = v.article_parent_id
           JOIN articles a ON a.boutique_id = d.boutique_id AND a.id = d.id
           WHERE v.a_appliquer AND v.code_barre <> '' AND v.nom_variante <> ''
           ON CONFLICT (boutique_id, id) DO UPDATE
           SET code_barre = EXCLUDED.code_barre, nom_variante = EXCLUDED.nom_variante,
               type_attribut = EXCLUDED.type_attribut, est_actif = EXCLUDED.est_actif,
               date_mise_a_jour = EXCLUDED.date_mise_a_jour"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "variants", n);

    sqlx::query!(
        r#"UPDATE django_lignes SET appliquee = donnees
           WHERE nature IN ('inventory_commercant', 'inventory_boutique', 'inventory_client',
                            'inventory_categorie', 'inventory_article', 'inventory_variantearticle')
             AND donnees IS DISTINCT FROM appliquee"#
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sales, lines, movements, alerts and refused sales, then each article's stock in the
/// journal. Returns the Django sales not brought because caisse already holds them under the
/// same till and invoice number.
pub(super) async fn history(
    conn: &mut PgConnection,
    brought: &mut Vec<Count>,
) -> Result<Vec<i64>, sqlx::Error> {
    // A sale that reached both servers (a till that retried across the switch) is caisse's.
    let both = sqlx::query_scalar!(
        r#"UPDATE django_lignes d SET motif_ecart = 'VENTE_DEJA_RECUE'
           FROM django_ventes v
           WHERE d.nature = 'inventory_vente' AND d.id = v.id AND v.nouvelle
             AND d.motif_ecart IS NULL
             AND EXISTS (SELECT 1 FROM ventes x
                         WHERE x.boutique_id = v.boutique_id AND x.terminal_id = v.client_maui_id
                           AND x.numero_facture = v.numero_facture AND NOT x.reprise)
           RETURNING d.id"#
    )
    .fetch_all(&mut *conn)
    .await?;

    // caisse keeps one form of a USD sale: its total in dollars in `montant_total` (Django's
    // online sales wrote 0 there and the dollars in `montant_total_usd`).
    let n = sqlx::query!(
        r#"INSERT INTO ventes (id, boutique_id, terminal_id, numero_facture, date_vente, date_reception,
                              montant_total, mode_paiement, paye, adresse_ip_client, version_app_maui,
                              annulee, date_annulation, annulee_par, motif_annulation, devise,
                              taux_dollar, montant_total_usd, reprise)
           SELECT v.id, v.boutique_id, v.client_maui_id, v.numero_facture, v.date_vente,
                  COALESCE(v.created_at, v.date_vente), s.total, COALESCE(v.mode_paiement, 'CASH'),
                  COALESCE(v.paye, true), v.adresse_ip_client, NULLIF(v.version_app_maui, ''),
                  COALESCE(v.est_annulee, false),
                  CASE WHEN v.est_annulee THEN COALESCE(v.date_annulation, v.date_vente) END,
                  NULLIF(v.annulee_par, ''), NULLIF(v.motif_annulation, ''), s.devise,
                  b.taux_courant, CASE WHEN s.devise = 'USD' THEN s.total ELSE v.montant_total_usd END,
                  true
           FROM django_ventes v
           JOIN django_lignes d ON d.nature = 'inventory_vente' AND d.id = v.id
           JOIN boutiques b ON b.id = v.boutique_id
           JOIN terminaux t ON t.boutique_id = v.boutique_id AND t.id = v.client_maui_id
           CROSS JOIN LATERAL (
               SELECT COALESCE(NULLIF(v.devise, ''), 'CDF') AS devise,
                      CASE WHEN v.devise = 'USD' AND v.montant_total = 0 AND v.montant_total_usd > 0
                           THEN v.montant_total_usd ELSE v.montant_total END AS total) s
           WHERE v.nouvelle AND d.motif_ecart IS NULL AND v.numero_facture <> ''
             AND length(v.numero_facture) <= 100 AND s.total >= 0
             AND COALESCE(v.montant_total_usd, 0) >= 0 AND s.devise IN ('CDF', 'USD')
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "sales", n);
    refresh_statistics(conn).await?;

    // A sale cancelled in Django after an earlier import.
    let n = sqlx::query!(
        r#"WITH annulees AS (
               UPDATE ventes x
               SET annulee = true, date_annulation = COALESCE(v.date_annulation, now()),
                   annulee_par = NULLIF(v.annulee_par, ''),
                   motif_annulation = NULLIF(v.motif_annulation, '')
               FROM django_ventes v
               WHERE v.a_appliquer AND NOT v.nouvelle AND v.est_annulee
                 AND x.boutique_id = v.boutique_id AND x.id = v.id AND x.reprise AND NOT x.annulee
               RETURNING x.boutique_id, x.id)
           UPDATE lignes_vente l SET quantite_retournee = l.quantite
           FROM annulees a WHERE l.boutique_id = a.boutique_id AND l.vente_id = a.id"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "lines given back by a later cancellation", n);

    let n = sqlx::query!(
        r#"INSERT INTO lignes_vente (id, boutique_id, vente_id, article_id, quantite, prix_unitaire,
                                    quantite_retournee, devise, prix_unitaire_usd, variante_id,
                                    prix_original, est_negocie, motif_reduction)
           SELECT l.id, x.boutique_id, x.id, a.id, l.quantite, l.prix_unitaire,
                  CASE WHEN x.annulee THEN l.quantite ELSE 0 END,
                  CASE WHEN l.devise IN ('CDF', 'USD') THEN l.devise ELSE x.devise END,
                  l.prix_unitaire_usd, va.id, l.prix_original, COALESCE(l.est_negocie, false),
                  NULLIF(l.motif_reduction, '')
           FROM django_lignes_vente l
           JOIN django_ventes v ON v.id = l.vente_id
           JOIN ventes x ON x.boutique_id = v.boutique_id AND x.id = v.id AND x.reprise
           JOIN articles a ON a.boutique_id = x.boutique_id AND a.id = l.article_id
           LEFT JOIN variantes_articles va ON va.boutique_id = x.boutique_id AND va.id = l.variante_id
           WHERE l.nouvelle AND l.quantite > 0 AND l.prix_unitaire >= 0
             AND COALESCE(l.prix_unitaire_usd, 0) >= 0 AND COALESCE(l.prix_original, 0) >= 0
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "sale lines", n);
    refresh_statistics(conn).await?;

    // The movements of a sale caisse already holds are not brought: caisse took its stock out.
    sqlx::query!(
        r#"UPDATE django_lignes d SET motif_ecart = 'VENTE_DEJA_RECUE'
           FROM django_mouvements m
           JOIN django_articles a ON a.id = m.article_id
           JOIN (SELECT v.boutique_id, v.numero_facture FROM django_ventes v
                 JOIN django_lignes dv ON dv.nature = 'inventory_vente' AND dv.id = v.id
                 WHERE dv.motif_ecart = 'VENTE_DEJA_RECUE') deja
             ON deja.boutique_id = a.boutique_id
            AND deja.numero_facture = regexp_replace(m.reference_document, '^ANNUL-', '')
           WHERE d.nature = 'inventory_mouvementstock' AND d.id = m.id AND m.nouvelle
             AND d.motif_ecart IS NULL"#
    )
    .execute(&mut *conn)
    .await?;

    // Django's movements as it wrote them; where it left no stock before or after, or figures
    // that do not add up, the stock before is taken from what it did write (the report lists
    // them all, and `django_lignes` keeps Django's own figures).
    let n = sqlx::query!(
        r#"INSERT INTO mouvements_stock (id, boutique_id, article_id, type_mouvement, quantite,
                                        stock_avant, stock_apres, reference_document, utilisateur,
                                        commentaire, vente_id, date_mouvement, reprise)
           SELECT m.id, a.boutique_id, a.id, m.type_mouvement, m.quantite, m.avant,
                  m.avant + m.quantite, NULLIF(m.reference_document, ''), NULLIF(m.utilisateur, ''),
                  NULLIF(m.commentaire, ''),
                  CASE WHEN m.type_mouvement IN ('VENTE', 'RETOUR') THEN s.id END,
                  COALESCE(m.date_mouvement, now()), true
           FROM (SELECT dm.*, COALESCE(dm.stock_avant, dm.stock_apres - dm.quantite,
                                       lag(dm.stock_apres) OVER w, 0) AS avant
                 FROM django_mouvements dm
                 WINDOW w AS (PARTITION BY dm.article_id ORDER BY dm.date_mouvement, dm.id)) m
           JOIN django_lignes d ON d.nature = 'inventory_mouvementstock' AND d.id = m.id
           JOIN django_articles da ON da.id = m.article_id
           JOIN articles a ON a.boutique_id = da.boutique_id AND a.id = da.id
           LEFT JOIN (SELECT DISTINCT ON (boutique_id, numero_facture) boutique_id, numero_facture, id
                      FROM ventes WHERE reprise
                      ORDER BY boutique_id, numero_facture, id) s
             ON s.boutique_id = a.boutique_id
            AND s.numero_facture = regexp_replace(m.reference_document, '^ANNUL-', '')
           WHERE m.nouvelle AND d.motif_ecart IS NULL AND m.quantite IS NOT NULL
             AND m.type_mouvement IN ('ENTREE', 'SORTIE', 'AJUSTEMENT', 'VENTE', 'RETOUR')
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "stock movements", n);
    refresh_statistics(conn).await?;

    // First import of an article: the journal starts where its Django movements leave it; if
    // Django's stock is elsewhere, an opening adjustment says so.
    let n = sqlx::query!(
        r#"WITH derniers AS (
               SELECT DISTINCT ON (m.boutique_id, m.article_id) m.boutique_id, m.article_id, m.stock_apres
               FROM mouvements_stock m WHERE m.reprise
               ORDER BY m.boutique_id, m.article_id, m.date_mouvement DESC, m.id DESC),
           depart AS (
               UPDATE articles a SET stock_initial = COALESCE(dr.stock_apres, a.quantite_stock)
               FROM django_articles da
               LEFT JOIN derniers dr ON dr.boutique_id = da.boutique_id AND dr.article_id = da.id
               WHERE da.stock_applique IS NULL AND a.boutique_id = da.boutique_id AND a.id = da.id
               RETURNING a.boutique_id, a.id, a.stock_initial, a.quantite_stock)
           INSERT INTO mouvements_stock (boutique_id, article_id, type_mouvement, quantite,
                                         stock_avant, stock_apres, reference_document,
                                         utilisateur, commentaire)
           SELECT boutique_id, id, 'AJUSTEMENT', quantite_stock - stock_initial, stock_initial,
                  quantite_stock, 'REPRISE-DJANGO', 'import-django',
                  'Reprise de Django : stock enregistré ' || quantite_stock
                  || ', ses mouvements mènent à ' || stock_initial
           FROM depart WHERE quantite_stock <> stock_initial"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "opening adjustments", n);

    // Later imports: what Django's stock did since the last one (its sales and movements until
    // the switch, its stock edits) is added to caisse's stock, less what caisse already took
    // out for the sales both servers received.
    let n = sqlx::query!(
        r#"WITH ecart AS (
               SELECT da.boutique_id, da.id,
                      da.quantite_stock - da.stock_applique - COALESCE(deja.quantite, 0) AS delta
               FROM django_articles da
               LEFT JOIN (SELECT m.article_id, sum(m.quantite)::int4 AS quantite
                          FROM django_mouvements m
                          JOIN django_lignes d ON d.nature = 'inventory_mouvementstock' AND d.id = m.id
                          WHERE d.motif_ecart = 'VENTE_DEJA_RECUE' AND d.appliquee IS NULL
                          GROUP BY m.article_id) deja ON deja.article_id = da.id
               WHERE da.stock_applique IS NOT NULL),
           maj AS (
               UPDATE articles a SET quantite_stock = a.quantite_stock + e.delta
               FROM ecart e
               WHERE e.delta <> 0 AND a.boutique_id = e.boutique_id AND a.id = e.id
               RETURNING a.boutique_id, a.id, a.quantite_stock, e.delta)
           INSERT INTO mouvements_stock (boutique_id, article_id, type_mouvement, quantite,
                                         stock_avant, stock_apres, reference_document,
                                         utilisateur, commentaire)
           SELECT boutique_id, id, 'AJUSTEMENT', delta, quantite_stock - delta, quantite_stock,
                  'REPRISE-DJANGO', 'import-django',
                  'Reprise de Django : ventes et mouvements reçus par Django depuis la reprise précédente'
           FROM maj"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "later adjustments", n);
    sqlx::query!(
        r#"UPDATE django_lignes d SET stock_applique = (d.donnees->>'quantite_stock')::int4
           FROM articles a
           WHERE d.nature = 'inventory_article' AND a.id = d.id
             AND a.boutique_id = (d.donnees->>'boutique_id')::int8
             AND d.stock_applique IS DISTINCT FROM (d.donnees->>'quantite_stock')::int4"#
    )
    .execute(&mut *conn)
    .await?;

    let n = sqlx::query!(
        r#"INSERT INTO alertes_stock (id, boutique_id, article_id, vente_id, manque, stock_avant,
                                     stock_apres, date_alerte, fermee, date_fermeture, fermee_par,
                                     commentaire)
           SELECT al.id, x.boutique_id, a.id, x.id, GREATEST(abs(COALESCE(al.ecart, 0)), 1),
                  COALESCE(al.stock_serveur_avant, 0), COALESCE(al.stock_serveur_apres, 0),
                  COALESCE(al.date_creation, now()), s.fermee,
                  CASE WHEN s.fermee THEN COALESCE(al.date_regularisation, al.date_creation, now()) END,
                  CASE WHEN s.fermee THEN 'import-django' END, NULLIF(al.notes_regularisation, '')
           FROM django_alertes al
           JOIN ventes x ON x.boutique_id = al.boutique_id AND x.id = al.vente_id AND x.reprise
           JOIN articles a ON a.boutique_id = al.boutique_id AND a.id = al.article_id
           CROSS JOIN LATERAL (SELECT COALESCE(al.statut, 'EN_ATTENTE') <> 'EN_ATTENTE' AS fermee) s
           WHERE al.nouvelle
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "stock alerts", n);

    let n = sqlx::query!(
        r#"INSERT INTO ventes_rejetees (id, boutique_id, terminal_id, numero_facture, code, message,
                                       payload, empreinte, article_id, details, date_rejet,
                                       date_derniere_tentative, resolue, date_resolution,
                                       resolu_par, commentaire_resolution)
           SELECT r.id, t.boutique_id, t.id, NULLIF(r.vente_uid, ''),
                  COALESCE(NULLIF(r.raison_rejet, ''), 'OTHER'), COALESCE(r.message_erreur, ''),
                  COALESCE(r.donnees_vente::text, ''),
                  encode(sha256(convert_to(COALESCE(r.donnees_vente::text, ''), 'UTF8')), 'hex'),
                  a.id,
                  jsonb_strip_nulls(jsonb_build_object(
                      'article_nom', NULLIF(r.article_concerne_nom, ''),
                      'stock_demande', r.stock_demande, 'stock_disponible', r.stock_disponible,
                      'action_requise', NULLIF(r.action_requise, ''))),
                  COALESCE(r.date_tentative, now()), COALESCE(r.date_tentative, now()),
                  COALESCE(r.traitee, false),
                  CASE WHEN r.traitee THEN COALESCE(r.date_traitement, r.date_tentative, now()) END,
                  NULLIF(r.traite_par, ''), NULLIF(r.notes_traitement, '')
           FROM django_ventes_rejetees r
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           LEFT JOIN articles a ON a.boutique_id = r.boutique_id AND a.id = r.article_concerne_id
           WHERE r.nouvelle
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    count(brought, "refused sales", n);

    sqlx::query!(
        r#"UPDATE django_lignes SET appliquee = donnees
           WHERE donnees IS DISTINCT FROM appliquee"#
    )
    .execute(&mut *conn)
    .await?;
    Ok(both)
}
