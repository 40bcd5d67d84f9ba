-- `caisse import-django`: a chain's Django database brought across with the ids its tills hold.
--
-- Every row read from Django is kept here as Django wrote it (`donnees`), with the version last
-- brought into caisse's own tables (`appliquee`): a second import applies only what differs, and
-- rows caisse has no table for yet (transfers, Django's notifications) are kept, not dropped.
CREATE TABLE django_lignes (
    nature text NOT NULL,             -- the Django table, e.g. 'inventory_article'
    id bigint NOT NULL,               -- the row's Django id
    donnees jsonb NOT NULL,           -- the row as Django held it at the last import
    appliquee jsonb,                  -- the row as last brought into caisse's tables
    stock_applique integer,           -- articles: Django's stock as last brought across
    motif_ecart text,                 -- why the row was not brought, when it was not
    date_lecture timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (nature, id)
);

-- Each import: which Django schema it read, when, and its report (counts and inconsistencies).
CREATE TABLE reprises_django (
    id bigserial PRIMARY KEY,
    schema_django text NOT NULL,
    date_debut timestamptz NOT NULL DEFAULT now(),
    date_fin timestamptz,
    rapport jsonb
);

-- Sales and movements brought from Django are history: kept as Django wrote them, outside the
-- invariants `caisse check` holds caisse's own rows to (the differences are in the report).
ALTER TABLE ventes ADD COLUMN reprise boolean NOT NULL DEFAULT false;
ALTER TABLE mouvements_stock ADD COLUMN reprise boolean NOT NULL DEFAULT false;

-- Typed views of the Django rows, for the import and for an operator's questions.
CREATE VIEW django_commercants AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, nom_entreprise text, email text, est_actif bool,
                                     date_creation timestamptz, taux_dollar numeric)
WHERE d.nature = 'inventory_commercant';

CREATE VIEW django_boutiques AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, commercant_id int8, nom text, code_boutique text,
                                     type_commerce text, adresse text, ville text, devise text,
                                     alerte_stock_bas int4, est_active bool, date_creation timestamptz,
                                     taux_dollar numeric, pos_autorise bool, est_depot bool)
WHERE d.nature = 'inventory_boutique';

CREATE VIEW django_terminaux AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, numero_serie text, nom_terminal text,
                                     est_actif bool, version_app_maui text,
                                     derniere_activite timestamptz, date_creation timestamptz)
WHERE d.nature = 'inventory_client';

CREATE VIEW django_categories AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, nom text, description text,
                                     date_creation timestamptz, last_updated timestamptz)
WHERE d.nature = 'inventory_categorie';

CREATE VIEW django_articles AS
SELECT x.*, d.stock_applique, d.appliquee IS NULL AS nouvelle,
       d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, categorie_id int8, code text, nom text,
                                     description text, prix_vente numeric, prix_achat numeric,
                                     quantite_stock int4, est_actif bool, date_creation timestamptz,
                                     date_mise_a_jour timestamptz, devise text, prix_vente_usd numeric,
                                     prix_achat_usd numeric, est_valide_client bool,
                                     quantite_envoyee int4, date_envoi timestamptz,
                                     date_validation timestamptz, date_suppression timestamptz,
                                     last_updated timestamptz, version int8)
WHERE d.nature = 'inventory_article';

CREATE VIEW django_variantes AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, article_parent_id int8, code_barre text, nom_variante text,
                                     type_attribut text, quantite_stock int4, est_actif bool,
                                     date_creation timestamptz, date_mise_a_jour timestamptz)
WHERE d.nature = 'inventory_variantearticle';

CREATE VIEW django_ventes AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, client_maui_id int8, numero_facture text,
                                     date_vente timestamptz, created_at timestamptz,
                                     montant_total numeric, montant_total_usd numeric, devise text,
                                     mode_paiement text, paye bool, adresse_ip_client text,
                                     version_app_maui text, est_annulee bool,
                                     date_annulation timestamptz, annulee_par text,
                                     motif_annulation text)
WHERE d.nature = 'inventory_vente';

CREATE VIEW django_lignes_vente AS
SELECT x.*, d.appliquee IS NULL AS nouvelle
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, vente_id int8, article_id int8, quantite int4,
                                     prix_unitaire numeric, devise text, prix_unitaire_usd numeric,
                                     variante_id int8, est_negocie bool, prix_original numeric,
                                     motif_reduction text)
WHERE d.nature = 'inventory_lignevente';

CREATE VIEW django_mouvements AS
SELECT x.*, d.appliquee IS NULL AS nouvelle
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, article_id int8, type_mouvement text, quantite int4,
                                     date_mouvement timestamptz, stock_avant int4, stock_apres int4,
                                     reference_document text, utilisateur text, commentaire text)
WHERE d.nature = 'inventory_mouvementstock';

CREATE VIEW django_alertes AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, article_id int8, vente_id int8,
                                     quantite_vendue int4, stock_serveur_avant int4,
                                     stock_serveur_apres int4, ecart int4, statut text,
                                     date_creation timestamptz, date_regularisation timestamptz,
                                     notes_regularisation text)
WHERE d.nature = 'inventory_alertestock';

CREATE VIEW django_ventes_rejetees AS
SELECT x.*, d.appliquee IS NULL AS nouvelle, d.donnees IS DISTINCT FROM d.appliquee AS a_appliquer
FROM django_lignes d,
     jsonb_to_record(d.donnees) AS x(id int8, boutique_id int8, terminal_id int8, vente_uid text,
                                     raison_rejet text, message_erreur text, donnees_vente jsonb,
                                     article_concerne_id int8, article_concerne_nom text,
                                     stock_demande int4, stock_disponible int4,
                                     action_requise text, traitee bool,
                                     date_tentative timestamptz, date_traitement timestamptz,
                                     traite_par text, notes_traitement text)
WHERE d.nature = 'inventory_venterejetee';
