//! The JSON shapes that both APIs answer with: an article as a till reads it, a stored sale,
//! a stock movement, a boutique and a list of them, and a sale after something was given
//! back. Each is a
//! domain value as the wire spells it (French names, money as two-decimal strings,
//! timestamps with the shop's offset) and is described in the OpenAPI document by the same
//! type.

use crate::boutiques::{Boutique, Shop};
use crate::catalogue::{Article, Variant};
use crate::money::{Currency, Money};
use crate::sales::give_back::GivenBack;
use crate::sales::history::StoredSale;
use crate::stock::journal::Movement;
use serde::Serialize;

/// An article as the tills read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    /// In the article's currency (`devise`).
    pub prix_vente: Money,
    pub prix_achat: Money,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub categorie: Option<CategoryRef>,
    pub quantite_stock: i32,
    pub est_actif: bool,
    pub qr_code_url: Option<String>,
    pub image_url: Option<String>,
    pub full_details: FullDetails,
    /// The currency of `prix_vente` and `prix_achat`.
    pub devise: Currency,
    /// In USD: a USD article's own prices, a CDF one's as the manager set them (or `null`).
    pub prix_vente_usd: Option<Money>,
    pub prix_achat_usd: Option<Money>,
    /// `categorie_id`, as the 2026 tills name it.
    pub categorie_backend_id: Option<i64>,
    pub has_variantes: bool,
    /// The article's stock (variants have none of their own).
    pub stock_total_variantes: i32,
    pub variantes: Vec<VariantView>,
    /// `false` while a sending that created it awaits the shop's confirmation.
    pub est_valide_client: bool,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    pub date_suppression: Option<String>,
    /// Moved by every change to the article, stock included.
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    pub last_updated: String,
    /// Raised by every change to the article: `?version=` asks for those above.
    #[schema(example = 3)]
    pub version: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryRef {
    pub id: i64,
    pub nom: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FullDetails {
    pub nom_complet: String,
    pub prix_vente_formate: String,
    pub stock_disponible: i32,
    pub categorie: String,
}

/// A variant of an article, with its article's stock, prices and currency.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantView {
    pub id: i64,
    pub article_parent_id: i64,
    pub article_parent_nom: String,
    pub code_barre: String,
    pub nom_variante: String,
    /// `COULEUR`, `TAILLE`, `PARFUM`, `POIDS`, `VOLUME`, `MODELE` or `AUTRE`.
    pub type_attribut: String,
    pub quantite_stock: i32,
    pub est_actif: bool,
    pub prix_vente: Money,
    pub prix_achat: Money,
    pub devise: Currency,
    /// `<article> - <variant>`.
    pub nom_complet: String,
    pub image_url: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    pub date_creation: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    pub date_mise_a_jour: String,
}

impl VariantView {
    pub fn new(variant: Variant, article: &Article, shop: &Shop) -> Self {
        VariantView {
            id: variant.id,
            article_parent_id: variant.article_parent_id,
            article_parent_nom: article.nom.clone(),
            nom_complet: format!("{} - {}", article.nom, variant.nom_variante),
            code_barre: variant.code_barre,
            nom_variante: variant.nom_variante,
            type_attribut: variant.type_attribut,
            quantite_stock: article.quantite_stock,
            est_actif: variant.est_actif,
            prix_vente: article.prix_vente,
            prix_achat: article.prix_achat,
            devise: article.devise,
            image_url: variant.image_url,
            date_creation: shop.timestamp(variant.date_creation),
            date_mise_a_jour: shop.timestamp(variant.date_mise_a_jour),
        }
    }
}

impl ArticleView {
    /// `article`, in the boutique `shop`.
    pub fn new(mut article: Article, shop: &Shop) -> Self {
        let variantes: Vec<VariantView> = std::mem::take(&mut article.variantes)
            .into_iter()
            .map(|v| VariantView::new(v, &article, shop))
            .collect();
        ArticleView {
            full_details: FullDetails {
                nom_complet: format!("{} ({})", article.nom, article.code),
                prix_vente_formate: format!("{} {}", article.prix_vente, article.devise),
                stock_disponible: article.quantite_stock,
                categorie: article
                    .categorie_nom
                    .clone()
                    .unwrap_or_else(|| "Non catégorisé".to_owned()),
            },
            categorie: article
                .categorie_id
                .zip(article.categorie_nom.clone())
                .map(|(id, nom)| CategoryRef { id, nom }),
            id: article.id,
            code: article.code,
            nom: article.nom,
            description: article.description,
            prix_vente: article.prix_vente,
            prix_achat: article.prix_achat,
            categorie_id: article.categorie_id,
            categorie_backend_id: article.categorie_id,
            categorie_nom: article.categorie_nom,
            quantite_stock: article.quantite_stock,
            stock_total_variantes: article.quantite_stock,
            est_actif: article.est_actif,
            qr_code_url: None,
            image_url: None,
            devise: article.devise,
            prix_vente_usd: article.prix_vente_usd,
            prix_achat_usd: article.prix_achat_usd,
            has_variantes: !variantes.is_empty(),
            variantes,
            est_valide_client: article.est_valide_client,
            date_suppression: article.date_suppression.map(|at| shop.timestamp(at)),
            last_updated: shop.timestamp(article.last_updated),
            version: article.version,
        }
    }
}

/// A stored sale.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SaleView {
    pub id: i64,
    pub numero_facture: String,
    pub date_vente: String,
    pub montant_total: Money,
    pub mode_paiement: String,
    pub paye: bool,
    pub terminal: String,
    pub terminal_id: i64,
    /// A cancelled sale is listed, but counts in no revenue.
    pub annulee: bool,
    /// The same, as the 2026 tills' cancel screen reads it.
    pub est_annulee: bool,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    pub date_annulation: Option<String>,
    pub motif_annulation: Option<String>,
    /// The currency paid; `montant_total` is in it.
    pub devise: Currency,
    /// The total in USD, when known (a USD sale's total; a CDF sale's when every line has a
    /// USD price).
    pub montant_total_usd: Option<Money>,
    pub lignes: Vec<LineView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub quantite: i32,
    /// The unit price charged, in the line's currency.
    pub prix_unitaire: Money,
    pub sous_total: Money,
    /// The same as `sous_total`, as the 2026 tills read it.
    pub total_ligne: Money,
    pub devise: Currency,
    pub prix_unitaire_usd: Option<Money>,
    /// Units given back since (returned, or restored by a cancellation).
    pub quantite_retournee: i32,
}

impl SaleView {
    pub fn new(sale: StoredSale, shop: &Shop) -> Self {
        SaleView {
            id: sale.id,
            numero_facture: sale.numero_facture,
            date_vente: shop.timestamp(sale.date_vente),
            montant_total: sale.montant_total,
            mode_paiement: sale.mode_paiement,
            paye: sale.paye,
            terminal: sale.nom_terminal,
            terminal_id: sale.terminal_id,
            annulee: sale.annulee,
            est_annulee: sale.annulee,
            date_annulation: sale.date_annulation.map(|at| shop.timestamp(at)),
            motif_annulation: sale.motif_annulation,
            devise: sale.devise,
            montant_total_usd: sale.montant_total_usd,
            lignes: sale
                .lignes
                .into_iter()
                .map(|l| LineView {
                    article_id: l.article_id,
                    article_nom: l.article_nom,
                    article_code: l.article_code,
                    quantite: l.quantite,
                    prix_unitaire: l.prix_unitaire,
                    sous_total: l.sous_total,
                    total_ligne: l.sous_total,
                    devise: l.devise,
                    prix_unitaire_usd: l.prix_unitaire_usd,
                    quantite_retournee: l.quantite_retournee,
                })
                .collect(),
        }
    }
}

/// A movement of the stock journal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub type_mouvement: String,
    pub quantite: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub reference_document: Option<String>,
    pub commentaire: Option<String>,
    pub date_mouvement: String,
    pub utilisateur: Option<String>,
}

impl MovementView {
    pub fn new(m: Movement, shop: &Shop) -> Self {
        MovementView {
            id: m.id,
            article_id: m.article_id,
            article_nom: m.article_nom,
            article_code: m.article_code,
            type_mouvement: m.type_mouvement,
            quantite: m.quantite,
            stock_avant: m.stock_avant,
            stock_apres: m.stock_apres,
            reference_document: m.reference_document,
            commentaire: m.commentaire,
            date_mouvement: shop.timestamp(m.date_mouvement),
            utilisateur: m.utilisateur,
        }
    }
}

/// A boutique, with its active tills and articles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoutiqueView {
    pub id: i64,
    pub nom: String,
    pub code_boutique: String,
    pub type_commerce: String,
    pub ville: String,
    pub adresse: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub fuseau_horaire: String,
    pub politique_stock: String,
    pub est_active: bool,
    /// Whether its tills may sell (`pos/status/`).
    pub pos_autorise: bool,
    /// In the administration API only (the tills' `boutiques/` answer stays as they know
    /// it): a depot of the merchant, a stock room that sends transfers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub est_depot: Option<bool>,
    pub date_creation: String,
    /// Active tills and active articles.
    pub nb_terminaux: i64,
    pub nb_articles: i64,
}

impl BoutiqueView {
    /// As the administration API shows it: with `est_depot`.
    pub fn with_depot(b: Boutique) -> Self {
        let est_depot = Some(b.est_depot);
        BoutiqueView {
            est_depot,
            ..b.into()
        }
    }
}

impl From<Boutique> for BoutiqueView {
    fn from(b: Boutique) -> Self {
        BoutiqueView {
            date_creation: crate::boutiques::timestamp(b.date_creation, b.time_zone()),
            id: b.id,
            nom: b.nom,
            code_boutique: b.code_boutique,
            type_commerce: b.type_commerce,
            ville: b.ville,
            adresse: b.adresse,
            devise: b.devise,
            alerte_stock_bas: b.alerte_stock_bas,
            fuseau_horaire: b.fuseau_horaire,
            politique_stock: b.politique_stock,
            est_active: b.est_active,
            pos_autorise: b.pos_autorise,
            est_depot: None,
            nb_terminaux: b.nb_terminaux,
            nb_articles: b.nb_articles,
        }
    }
}

/// Shops, as both APIs list them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoutiqueListView {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub count: usize,
    pub boutiques: Vec<BoutiqueView>,
}

impl BoutiqueListView {
    pub fn new(boutiques: Vec<Boutique>) -> Self {
        let boutiques: Vec<BoutiqueView> = boutiques.into_iter().map(BoutiqueView::from).collect();
        BoutiqueListView {
            success: true,
            count: boutiques.len(),
            boutiques,
        }
    }
}

/// A sale after a cancellation or a return, with the movements that gave its units back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GivenBackView {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = "Vente annulée : le stock est restauré")]
    pub message: &'static str,
    #[schema(example = 1)]
    pub boutique_id: i64,
    pub boutique: ShopName,
    pub vente: GivenBackSale,
    pub mouvements: Vec<AppliedView>,
    /// The units back on the shelf, per movement (the 2026 tills' view of `mouvements`).
    pub stock_restaure: Vec<RestoredView>,
}

/// A shop by id and name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShopName {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Ma Boutique")]
    pub nom: String,
}

impl From<&Shop> for ShopName {
    fn from(shop: &Shop) -> Self {
        ShopName {
            id: shop.id,
            nom: shop.nom.clone(),
        }
    }
}

/// Units given back to stock by one movement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RestoredView {
    #[schema(example = 1)]
    pub article_id: i64,
    #[schema(example = "CHG-001")]
    pub code: String,
    #[schema(example = "Chargeur USB-C 25 W")]
    pub nom: String,
    #[schema(example = 2)]
    pub quantite_restauree: i32,
    #[schema(example = 98)]
    pub stock_avant: i32,
    #[schema(example = 100)]
    pub stock_apres: i32,
}

/// The sale now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GivenBackSale {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "WEB-0001")]
    pub numero_facture: String,
    pub montant_total: Money,
    /// The currency of `montant_total`.
    #[schema(example = "CDF")]
    pub devise: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    pub date_vente: String,
    #[schema(example = true)]
    pub annulee: bool,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    pub date_annulation: Option<String>,
    /// Why it was cancelled, or the articles returned.
    #[schema(example = "Erreur de saisie")]
    pub motif: Option<String>,
}

/// A stock change as applied: the movement written and the stock before and after.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppliedView {
    #[schema(example = 12)]
    pub mouvement_id: i64,
    #[schema(example = 1)]
    pub article_id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    pub article_nom: String,
    #[schema(example = "CHG-001")]
    pub article_code: String,
    /// Signed: negative is out of stock.
    #[schema(example = 2)]
    pub quantite: i32,
    #[schema(example = 98)]
    pub stock_avant: i32,
    #[schema(example = 100)]
    pub stock_apres: i32,
}

impl From<&crate::stock::Applied> for AppliedView {
    fn from(a: &crate::stock::Applied) -> Self {
        AppliedView {
            mouvement_id: a.movement_id,
            article_id: a.article_id,
            article_nom: a.nom.clone(),
            article_code: a.code.clone(),
            quantite: a.stock_apres - a.stock_avant,
            stock_avant: a.stock_avant,
            stock_apres: a.stock_apres,
        }
    }
}

impl GivenBackView {
    pub fn new(done: GivenBack, shop: &Shop) -> Self {
        let annulee = done.date_annulation.is_some();
        GivenBackView {
            success: true,
            message: if annulee {
                "Vente annulée : le stock est restauré"
            } else {
                "Articles retournés : le stock est restauré"
            },
            boutique_id: shop.id,
            boutique: ShopName::from(shop),
            vente: GivenBackSale {
                id: done.vente_id,
                numero_facture: done.numero_facture,
                montant_total: Money::from(done.montant_total),
                devise: done.devise,
                date_vente: shop.timestamp(done.date_vente),
                annulee,
                date_annulation: done.date_annulation.map(|at| shop.timestamp(at)),
                motif: done.motif,
            },
            mouvements: done.movements.iter().map(AppliedView::from).collect(),
            stock_restaure: done
                .movements
                .iter()
                .map(|a| RestoredView {
                    article_id: a.article_id,
                    code: a.code.clone(),
                    nom: a.nom.clone(),
                    quantite_restauree: a.stock_apres - a.stock_avant,
                    stock_avant: a.stock_avant,
                    stock_apres: a.stock_apres,
                })
                .collect(),
        }
    }
}
