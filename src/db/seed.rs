//! Demo data: two shops, their tills, categories and articles, and a merchant for each with
//! a back-office user. Loading it twice changes nothing. Tools, docs and tests rely on these
//! serials, codes and logins staying as written.

use crate::accounts::hash_password;
use crate::secret::hash_key;
use rust_decimal::Decimal;
use sqlx::PgPool;

pub struct DemoShop {
    pub nom: &'static str,
    pub code: &'static str,
    pub type_commerce: &'static str,
    pub ville: &'static str,
    pub adresse: &'static str,
    pub fuseau_horaire: &'static str,
    /// (serial, name, active, demo key)
    pub terminals: &'static [(&'static str, &'static str, bool, &'static str)],
    /// (name, description)
    pub categories: &'static [(&'static str, &'static str)],
    /// (code, name, category, selling price in cents, buying price in cents, stock, active)
    pub articles: &'static [(&'static str, &'static str, usize, i64, i64, i32, bool)],
}

/// The demo till of "Ma Boutique", as in the founding document's examples.
pub const DEMO_SERIAL: &str = "0a1badae951f8473";

pub const DEMO_SHOPS: &[DemoShop] = &[
    DemoShop {
        nom: "Ma Boutique",
        code: "BTQ-009",
        type_commerce: "Téléphonie et accessoires",
        ville: "Kinshasa",
        adresse: "12 avenue du Commerce, Gombe",
        fuseau_horaire: "Africa/Kinshasa",
        terminals: &[
            (
                DEMO_SERIAL,
                "Terminal MAUI",
                true,
                "demo-cle-0a1badae951f8473",
            ),
            (
                "TERM-INACTIVE",
                "Ancien terminal",
                false,
                "demo-cle-term-inactive",
            ),
        ],
        categories: &[
            ("Téléphones", "Smartphones et téléphones simples"),
            ("Accessoires", "Chargeurs, câbles, écouteurs, coques"),
        ],
        articles: &[
            (
                "CHG-001",
                "Chargeur USB-C 25 W",
                1,
                2_500_000,
                1_800_000,
                100,
                true,
            ),
            (
                "ECO-001",
                "Écouteurs Bluetooth",
                1,
                7_500_000,
                5_500_000,
                10,
                true,
            ),
            (
                "CAB-001",
                "Câble USB-C 1 m",
                1,
                500_000,
                300_000,
                10_000,
                true,
            ),
            (
                "COQ-001",
                "Coque Galaxy A15",
                1,
                1_500_000,
                900_000,
                5,
                true,
            ),
            (
                "BAT-001",
                "Batterie externe 10000 mAh",
                1,
                4_500_000,
                3_200_000,
                3,
                true,
            ),
            (
                "TEL-001",
                "Samsung Galaxy A15",
                0,
                35_000_000,
                29_000_000,
                0,
                true,
            ),
            (
                "TEL-002",
                "Tecno Spark 20",
                0,
                28_000_000,
                23_000_000,
                20,
                true,
            ),
            (
                "CRT-001",
                "Carte mémoire 64 Go",
                1,
                3_000_000,
                2_100_000,
                50,
                true,
            ),
            (
                "TEL-OLD",
                "Nokia 105 (retiré)",
                0,
                2_500_000,
                1_500_000,
                7,
                false,
            ),
        ],
    },
    DemoShop {
        nom: "Autre Boutique",
        code: "BTQ-010",
        type_commerce: "Alimentation",
        ville: "Lubumbashi",
        adresse: "5 avenue Mama Yemo",
        fuseau_horaire: "Africa/Lubumbashi",
        terminals: &[(
            "TERM-B-001",
            "Caisse principale",
            true,
            "demo-cle-term-b-001",
        )],
        categories: &[
            ("Boissons", "Eau, jus, sodas"),
            ("Épicerie", "Riz, farine, huile, sucre"),
        ],
        articles: &[
            (
                "EAU-150",
                "Eau minérale 1,5 L",
                0,
                250_000,
                150_000,
                10_000,
                true,
            ),
            ("COC-033", "Coca-Cola 33 cl", 0, 150_000, 100_000, 100, true),
            ("RIZ-005", "Riz 5 kg", 1, 2_500_000, 2_000_000, 10, true),
            (
                "HUI-001",
                "Huile végétale 1 L",
                1,
                750_000,
                550_000,
                5,
                true,
            ),
            ("SUC-001", "Sucre 1 kg", 1, 450_000, 350_000, 3, true),
            (
                "FAR-010",
                "Farine de maïs 10 kg",
                1,
                7_500_000,
                6_000_000,
                0,
                true,
            ),
            (
                "LAI-400",
                "Lait en poudre 400 g",
                1,
                1_200_000,
                900_000,
                50,
                true,
            ),
            (
                "SAV-001",
                "Savon de Marseille",
                1,
                200_000,
                120_000,
                200,
                true,
            ),
        ],
    },
];

/// A demo merchant, owner of one demo shop, and its back-office user.
pub struct DemoMerchant {
    pub nom: &'static str,
    pub boutique: &'static str,
    pub email: &'static str,
    pub user_name: &'static str,
    /// For the demo data only: anyone who reads this file knows it.
    pub password: &'static str,
}

/// One merchant per demo shop, so that each demo user sees one shop and not the other.
pub const DEMO_MERCHANTS: &[DemoMerchant] = &[
    DemoMerchant {
        nom: "Ets Ma Boutique",
        boutique: "BTQ-009",
        email: "gerant@ma-boutique.example",
        user_name: "Gérant de Ma Boutique",
        password: "demo-ma-boutique",
    },
    DemoMerchant {
        nom: "Ets Autre Boutique",
        boutique: "BTQ-010",
        email: "gerant@autre-boutique.example",
        user_name: "Gérant d'Autre Boutique",
        password: "demo-autre-boutique",
    },
];

/// Loads the demo shops; what already exists (by code, serial, name or e-mail) is left as
/// it is.
pub async fn seed_demo(pool: &PgPool) -> Result<(), sqlx::Error> {
    // Hashing is slow by design: done before the transaction, off the async threads.
    let hashes = tokio::task::spawn_blocking(|| {
        DEMO_MERCHANTS
            .iter()
            .map(|m| hash_password(m.password).expect("demo passwords are long enough"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("hashing does not panic");
    let mut tx = pool.begin().await?;
    for shop in DEMO_SHOPS {
        let boutique_id = sqlx::query_scalar!(
            r#"INSERT INTO boutiques (nom, code_boutique, type_commerce, ville, adresse, fuseau_horaire)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (code_boutique) DO UPDATE SET code_boutique = EXCLUDED.code_boutique
               RETURNING id"#,
            shop.nom,
            shop.code,
            shop.type_commerce,
            shop.ville,
            shop.adresse,
            shop.fuseau_horaire
        )
        .fetch_one(&mut *tx)
        .await?;

        // The demo tills come in on their serial alone, as the deployed apps do, so that the
        // README's requests work as they are (their keys work too).
        for (serial, name, active, key) in shop.terminals {
            sqlx::query!(
                r#"INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, est_actif, cle_api_hash,
                                         cle_requise)
                   VALUES ($1, $2, $3, $4, $5, false)
                   ON CONFLICT (numero_serie) DO NOTHING"#,
                boutique_id,
                serial,
                name,
                active,
                hash_key(key)
            )
            .execute(&mut *tx)
            .await?;
        }

        let mut category_ids = Vec::with_capacity(shop.categories.len());
        for (name, description) in shop.categories {
            let id = sqlx::query_scalar!(
                r#"INSERT INTO categories (boutique_id, nom, description)
                   VALUES ($1, $2, $3)
                   ON CONFLICT (boutique_id, nom) DO UPDATE SET nom = EXCLUDED.nom
                   RETURNING id"#,
                boutique_id,
                name,
                description
            )
            .fetch_one(&mut *tx)
            .await?;
            category_ids.push(id);
        }

        for (code, name, category, price, cost, stock, active) in shop.articles {
            sqlx::query!(
                r#"INSERT INTO articles (boutique_id, code, nom, prix_vente, prix_achat, categorie_id,
                                         stock_initial, quantite_stock, est_actif)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
                   ON CONFLICT (boutique_id, code) DO NOTHING"#,
                boutique_id,
                code,
                name,
                Decimal::new(*price, 2),
                Decimal::new(*cost, 2),
                category_ids[*category],
                stock,
                active
            )
            .execute(&mut *tx)
            .await?;
        }
    }

    for (merchant, hash) in DEMO_MERCHANTS.iter().zip(hashes) {
        let commercant_id = sqlx::query_scalar!(
            r#"INSERT INTO commercants (nom) VALUES ($1)
               ON CONFLICT (nom) DO UPDATE SET nom = EXCLUDED.nom
               RETURNING id"#,
            merchant.nom
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            r#"UPDATE boutiques SET commercant_id = $2
               WHERE code_boutique = $1 AND commercant_id IS NULL"#,
            merchant.boutique,
            commercant_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"INSERT INTO utilisateurs (email, nom, mot_de_passe_hash, commercant_id)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (email) DO NOTHING"#,
            merchant.email,
            merchant.user_name,
            hash,
            commercant_id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The demo accounts that still have the password this file (and the README) publishes.
pub async fn published_logins(pool: &PgPool) -> Result<Vec<&'static str>, sqlx::Error> {
    let mut published = Vec::new();
    for merchant in DEMO_MERCHANTS {
        let hash = sqlx::query_scalar!(
            "SELECT mot_de_passe_hash FROM utilisateurs WHERE email = $1 AND est_actif",
            merchant.email
        )
        .fetch_optional(pool)
        .await?;
        let Some(hash) = hash else { continue };
        let password = merchant.password;
        let known =
            tokio::task::spawn_blocking(move || crate::accounts::verify_password(password, &hash))
                .await
                .unwrap_or(true);
        if known {
            published.push(merchant.email);
        }
    }
    Ok(published)
}

/// Removes the demo data: the demo shops with everything recorded in them, their merchants
/// and their back-office users. Returns how many shops went.
pub async fn remove_demo(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let codes: Vec<&str> = DEMO_SHOPS.iter().map(|s| s.code).collect();
    let merchants: Vec<&str> = DEMO_MERCHANTS.iter().map(|m| m.nom).collect();
    let mut tx = pool.begin().await?;
    let shops: Vec<i64> = sqlx::query_scalar!(
        "SELECT id FROM boutiques WHERE code_boutique = ANY($1) FOR UPDATE",
        &codes as &[&str]
    )
    .fetch_all(&mut *tx)
    .await?;
    // Children first, each by its shop.
    sqlx::query!(
        "DELETE FROM notifications_stock WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM releves_articles WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM sessions_caisse WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM lignes_transfert
           WHERE boutique_source_id = ANY($1) OR boutique_destination_id = ANY($1)"#,
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM transferts WHERE boutique_source_id = ANY($1) OR boutique_destination_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM rapports_caisse WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM historique_prix WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    // A count session's lines go with it.
    sqlx::query!("DELETE FROM comptages WHERE boutique_id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "DELETE FROM idempotency_keys WHERE terminal_id IN (SELECT id FROM terminaux WHERE boutique_id = ANY($1))",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM alertes_stock WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM ventes_rejetees WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM mouvements_stock WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM lignes_vente WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM ventes WHERE boutique_id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "DELETE FROM variantes_articles WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM articles WHERE boutique_id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "DELETE FROM categories_supprimees WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM categories WHERE boutique_id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "DELETE FROM taux_change WHERE boutique_id = ANY($1)",
        &shops
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM terminaux WHERE boutique_id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query!("DELETE FROM boutiques WHERE id = ANY($1)", &shops)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Their merchants and users, unless a merchant was given other shops since.
    sqlx::query!(
        r#"DELETE FROM utilisateurs u USING commercants c
           WHERE u.commercant_id = c.id AND c.nom = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM boutiques b WHERE b.commercant_id = c.id)"#,
        &merchants as &[&str]
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM taux_change t USING commercants c
           WHERE t.commercant_id = c.id AND c.nom = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM boutiques b WHERE b.commercant_id = c.id)"#,
        &merchants as &[&str]
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM commercants c
           WHERE c.nom = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM boutiques b WHERE b.commercant_id = c.id)
             AND NOT EXISTS (SELECT 1 FROM utilisateurs u WHERE u.commercant_id = c.id)"#,
        &merchants as &[&str]
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed)
}
