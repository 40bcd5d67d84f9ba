//! The back-office over HTTP, as a browser uses it: log in through the form, keep the
//! cookies, send the forms with their token. What is asserted is what a person sees (the
//! page's status and text) and what the database then holds.

use crate::common::*;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::json;

const MA: &str = "gerant@ma-boutique.example";
const MA_PASSWORD: &str = "demo-ma-boutique";
const AUTRE: &str = "gerant@autre-boutique.example";
const AUTRE_PASSWORD: &str = "demo-autre-boutique";

/// The server as the back-office is tried in development: over plain HTTP.
async fn spawn() -> TestApp {
    TestApp::spawn_with(|config| config.plain_http = true).await
}

/// A page as received: its status, where it redirects, its text (no-break spaces as plain
/// spaces, so that `50 000 CDF` reads as written).
#[derive(Debug)]
struct Page {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    content_type: String,
    text: String,
}

impl Page {
    async fn from(response: reqwest::Response) -> Page {
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let status = response.status();
        let text = response.text().await.unwrap().replace('\u{a0}', " ");
        Page {
            status,
            location,
            cookies,
            content_type,
            text,
        }
    }

    fn assert_ok(&self) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self
    }

    fn assert_contains(&self, wanted: &str) -> &Self {
        assert!(
            self.text.contains(wanted),
            "page lacks {wanted:?}:\n{}",
            self.text
        );
        self
    }

    fn assert_lacks(&self, unwanted: &str) -> &Self {
        assert!(
            !self.text.contains(unwanted),
            "page shows {unwanted:?}:\n{}",
            self.text
        );
        self
    }

    fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.text);
        assert_eq!(self.location.as_deref(), Some(to));
        self
    }

    fn assert_not_found(&self) -> &Self {
        assert_eq!(self.status, StatusCode::NOT_FOUND, "{}", self.text);
        self.assert_contains("Page introuvable")
    }
}

/// The value of the first `name="csrf"` field of a page.
fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf\" value=\"")
        .expect("the page has a form token")
        + "name=\"csrf\" value=\"".len();
    html[start..][..html[start..].find('"').unwrap()].to_owned()
}

/// A browser: its own cookies, redirects not followed (they are asserted).
struct Browser {
    address: String,
    client: reqwest::Client,
    /// The form token of the session, once logged in.
    csrf: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            address: app.address.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            csrf: String::new(),
        }
    }

    /// A browser behind the trusted proxy, whose client address the proxy says is `client`.
    fn behind_proxy(app: &TestApp, client: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client.parse().unwrap());
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .unwrap(),
            ..Browser::new(app)
        }
    }

    /// Logged in through the form; panics if that fails.
    async fn logged_in(app: &TestApp, email: &str, password: &str) -> Browser {
        let mut browser = Browser::new(app);
        browser
            .try_login(email, password)
            .await
            .assert_redirect("/backoffice/");
        browser.csrf = csrf_of(&browser.get("/backoffice/").await.assert_ok().text);
        browser
    }

    /// The login page, then its form.
    async fn try_login(&self, email: &str, password: &str) -> Page {
        let login = self.get("/backoffice/login").await;
        login.assert_ok();
        let token = csrf_of(&login.text);
        self.post_raw(
            "/backoffice/login",
            &[
                ("csrf", &token),
                ("email", email),
                ("mot_de_passe", password),
            ],
        )
        .await
    }

    async fn get(&self, path: &str) -> Page {
        Page::from(
            self.client
                .get(format!("{}{path}", self.address))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A form as the page sends it, with the session's token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut fields = fields.to_vec();
        fields.push(("csrf", &self.csrf));
        self.post_raw(path, &fields).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Page::from(
            self.client
                .post(format!("{}{path}", self.address))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

/// The id of the boutique `code`.
async fn shop_id(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = $1")
        .bind(code)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn terminal_id(app: &TestApp, serial: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM terminaux WHERE numero_serie = $1")
        .bind(serial)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Everything a back-office form could change, besides what [`TestApp::fingerprint`] covers.
async fn review_state(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|',
           (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM ventes_rejetees r),
           (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM alertes_stock x))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn logging_in_and_out() {
    let app = spawn().await;
    let browser = Browser::new(&app);

    // Every page needs a login, and leads back to itself after it.
    browser
        .get("/backoffice/")
        .await
        .assert_redirect("/backoffice/login?suivant=%2Fbackoffice%2F");
    let b = shop_id(&app, "BTQ-009").await;
    let asked = format!("/backoffice/boutiques/{b}/ventes?date_debut=2026-11-01");
    let to_login = browser.get(&asked).await;
    assert_eq!(to_login.status, StatusCode::SEE_OTHER);
    let login = browser.get(to_login.location.as_deref().unwrap()).await;
    login
        .assert_ok()
        .assert_contains("Connexion au back-office")
        .assert_contains(r#"name="suivant" value="/backoffice/boutiques/"#);
    let token = csrf_of(&login.text);
    // A second login tab does not spoil the first one's form.
    let second_tab = browser.get("/backoffice/login").await;
    assert_eq!(csrf_of(&second_tab.text), token);

    let wrong = browser
        .post_raw(
            "/backoffice/login",
            &[
                ("csrf", &token),
                ("email", MA),
                ("mot_de_passe", "pas le bon"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    wrong.assert_contains("Adresse e-mail ou mot de passe incorrect");
    assert!(
        wrong
            .cookies
            .iter()
            .all(|c| !c.starts_with("caisse_session="))
    );
    // An unknown address is refused the same way.
    let unknown = browser
        .post_raw(
            "/backoffice/login",
            &[
                ("csrf", &token),
                ("email", "personne@nulle-part.example"),
                ("mot_de_passe", MA_PASSWORD),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    unknown.assert_contains("Adresse e-mail ou mot de passe incorrect");

    // The address is not case-sensitive; the page asked for comes next.
    let ok = browser
        .post_raw(
            "/backoffice/login",
            &[
                ("csrf", &token),
                ("email", "  Gerant@Ma-Boutique.EXAMPLE "),
                ("mot_de_passe", MA_PASSWORD),
                ("suivant", &asked),
            ],
        )
        .await;
    ok.assert_redirect(&asked);
    let session = ok
        .cookies
        .iter()
        .find(|c| c.starts_with("caisse_session="))
        .expect("a session cookie");
    assert!(session.contains("; HttpOnly"), "{session}");
    assert!(session.contains("; SameSite=Lax"), "{session}");
    assert!(session.contains("; Path=/backoffice"), "{session}");
    // Served over plain HTTP (CAISSE_PLAIN_HTTP), the cookie cannot be Secure.
    assert!(!session.contains("Secure"), "{session}");
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let token_value = session
        .trim_start_matches("caisse_session=")
        .split(';')
        .next()
        .unwrap();
    assert_ne!(stored, token_value, "only the token's hash is stored");

    let dashboard = browser.get("/backoffice/").await;
    dashboard
        .assert_ok()
        .assert_contains("Ets Ma Boutique")
        .assert_contains("Ma Boutique")
        .assert_lacks("Autre Boutique");
    let csrf = csrf_of(&dashboard.text);

    // Logging out ends the session on the server: the old cookie opens nothing.
    browser
        .post_raw("/backoffice/logout", &[("csrf", &csrf)])
        .await
        .assert_redirect("/backoffice/login");
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, 0);
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/backoffice/"))
        .header("Cookie", format!("caisse_session={token_value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    browser
        .get("/backoffice/")
        .await
        .assert_redirect("/backoffice/login?suivant=%2Fbackoffice%2F");
    // A list refreshing itself in place is not filled with the login page: the whole page
    // is sent to it.
    let refresh = browser
        .client
        .get(app.url(&format!("/backoffice/boutiques/{b}/articles")))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::OK);
    assert_eq!(
        refresh.headers()["hx-redirect"],
        format!("/backoffice/login?suivant=%2Fbackoffice%2Fboutiques%2F{b}%2Farticles").as_str()
    );
    assert_eq!(refresh.text().await.unwrap(), "");
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    let app = TestApp::spawn().await;
    let page = Browser::new(&app).try_login(MA, MA_PASSWORD).await;
    // The client keeps no Secure cookie over http, but the server did send it.
    let session = page
        .cookies
        .iter()
        .find(|c| c.starts_with("caisse_session="))
        .expect("a session cookie");
    assert!(session.ends_with("; Secure"), "{session}");
}

#[tokio::test]
async fn a_deactivated_user_or_merchant_is_let_in_no_more() {
    let app = spawn().await;
    let browser = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    browser.get("/backoffice/").await.assert_ok();
    sqlx::query("UPDATE utilisateurs SET est_actif = FALSE WHERE email = $1")
        .bind(MA)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        browser.get("/backoffice/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app).try_login(MA, MA_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    let other = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    sqlx::query("UPDATE commercants SET est_actif = FALSE WHERE nom = 'Ets Autre Boutique'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        other.get("/backoffice/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app)
            .try_login(AUTRE, AUTRE_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn parallel_guesses_are_counted_one_after_the_other() {
    let app = spawn().await;
    let browsers: Vec<Browser> = (0..40).map(|_| Browser::new(&app)).collect();
    let pages = futures::future::join_all(
        browsers
            .iter()
            .map(|b| b.try_login(MA, "mauvais mot de passe")),
    )
    .await;
    let status = |wanted: StatusCode| pages.iter().filter(|p| p.status == wanted).count();
    // Five guesses evaluated, whatever their arrival: the rest refused before Argon2 ran.
    assert_eq!(status(StatusCode::UNAUTHORIZED), 5);
    assert_eq!(status(StatusCode::TOO_MANY_REQUESTS), 35);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM echecs_connexion WHERE email = 'gerant@ma-boutique.example'"
        )
        .await,
        5
    );
}

#[tokio::test]
async fn behind_the_tls_proxy_one_guesser_does_not_lock_everyone_out() {
    let app = TestApp::spawn_with(|config| {
        config.plain_http = true;
        config.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let guesser = Browser::behind_proxy(&app, "203.0.113.9");
    for i in 0..30 {
        let page = guesser
            .try_login(&format!("essai{i}@nulle-part.example"), "devine")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        guesser.try_login(MA, MA_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The manager, through the same proxy, from the shop.
    let manager = Browser::behind_proxy(&app, "198.51.100.3");
    manager
        .try_login(MA, MA_PASSWORD)
        .await
        .assert_redirect("/backoffice/");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM echecs_connexion WHERE adresse_ip = '203.0.113.9'"
        )
        .await,
        30
    );
}

#[tokio::test]
async fn failed_logins_are_throttled_per_email_and_per_address() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    for _ in 0..5 {
        let page = browser.try_login(MA, "mauvais mot de passe").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused for this address…
    let refused = browser.try_login(MA, MA_PASSWORD).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    refused.assert_contains("Trop de tentatives");
    assert!(
        refused
            .cookies
            .iter()
            .all(|c| !c.starts_with("caisse_session="))
    );
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, 0);
    // …while another user, from the same address, still logs in.
    Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;

    // Failures older than the window no longer count.
    sqlx::query("UPDATE echecs_connexion SET date_echec = date_echec - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    Browser::logged_in(&app, MA, MA_PASSWORD).await;

    // Guessing across many addresses from one client: that client is stopped.
    for i in 0..30 {
        let page = browser
            .try_login(&format!("essai{i}@nulle-part.example"), "devine")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        browser.try_login(AUTRE, AUTRE_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn every_form_needs_the_sessions_token() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let autre = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let before = app.fingerprint().await;
    let delivery = format!("/backoffice/boutiques/{b}/entrees");
    let lines = [
        ("reference_document", "BL-CSRF"),
        ("article_id", &chargeur.id.to_string()),
        ("quantite", "5"),
    ];

    let without = ma.post_raw(&delivery, &lines).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    without.assert_contains("Ce formulaire a expiré");
    let mut wrong = lines.to_vec();
    wrong.push(("csrf", "0000"));
    assert_eq!(
        ma.post_raw(&delivery, &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    // Another session's token is no better (a page of another user cannot lend its own).
    let mut borrowed = lines.to_vec();
    borrowed.push(("csrf", &autre.csrf));
    assert_eq!(
        ma.post_raw(&delivery, &borrowed).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.fingerprint().await, before);
    assert_eq!(app.stock(chargeur.id).await, 100);

    // Logging out is a form too: without the token, the session stays.
    assert_eq!(
        ma.post_raw("/backoffice/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    ma.get("/backoffice/").await.assert_ok();

    // The login form needs the token of its own page's cookie.
    let stranger = Browser::new(&app);
    let forged = stranger
        .post_raw(
            "/backoffice/login",
            &[("csrf", "x"), ("email", MA), ("mot_de_passe", MA_PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged
            .cookies
            .iter()
            .all(|c| !c.starts_with("caisse_session="))
    );

    // With its token, the same form goes through.
    ma.post(&delivery, &lines)
        .await
        .assert_redirect(&format!(
            "/backoffice/boutiques/{b}/mouvements?type_mouvement=ENTREE&fait=livraison&reference=BL-CSRF&lignes=1"
        ));
    assert_eq!(app.stock(chargeur.id).await, 105);
}

#[tokio::test]
async fn another_merchants_boutique_is_not_found_by_url() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let own = shop_id(&app, "BTQ-009").await;
    let other = shop_id(&app, "BTQ-010").await;
    let riz = app.article("BTQ-010", "RIZ-005").await;
    let other_till = terminal_id(&app, OTHER_SERIAL).await;
    // The other shop has sales, a refused sale and movements to leak, if anything leaked.
    let sold = app
        .sync(
            OTHER_SERIAL,
            &json!([sale("AUTRE-0001", &[(riz.id, 1, 25000.0)])]),
        )
        .await;
    assert_eq!(sold.status, 201, "{:#}", sold.body);
    app.sync(
        OTHER_SERIAL,
        &json!([sale("AUTRE-0002", &[(riz.id, 1000, 25000.0)])]),
    )
    .await;
    let rejection: i64 = count(&app, "SELECT max(id) FROM ventes_rejetees").await;

    for path in [
        "",
        "/articles",
        "/articles/nouveau",
        &format!("/articles/{}", riz.id),
        "/entrees",
        "/ajustements",
        "/terminaux",
        "/ventes",
        "/ventes.csv",
        "/ventes-rejetees",
        "/mouvements",
        "/mouvements.csv",
        "/nulle-part",
    ] {
        let page = ma
            .get(&format!("/backoffice/boutiques/{other}{path}"))
            .await;
        page.assert_not_found()
            .assert_lacks("Autre Boutique")
            .assert_lacks("Riz 5 kg")
            .assert_lacks("AUTRE-0001");
    }
    // A boutique that does not exist looks the same.
    ma.get("/backoffice/boutiques/999999/ventes")
        .await
        .assert_not_found();
    ma.get("/backoffice/boutiques/abc").await.assert_not_found();

    // Every form of the other boutique, with a valid token of this session.
    let before = (app.fingerprint().await, review_state(&app).await);
    let riz_id = riz.id.to_string();
    for (path, fields) in [
        (
            "/articles".to_owned(),
            vec![("code", "X-1"), ("nom", "Intrus"), ("prix_vente", "1")],
        ),
        (
            format!("/articles/{}", riz.id),
            vec![("code", "RIZ-005"), ("nom", "Volé"), ("prix_vente", "1")],
        ),
        ("/categories".to_owned(), vec![("nom", "Intruse")]),
        (
            "/entrees".to_owned(),
            vec![
                ("reference_document", "BL-X"),
                ("article_id", riz_id.as_str()),
                ("quantite", "5"),
            ],
        ),
        (
            "/ajustements".to_owned(),
            vec![
                ("article_id", riz_id.as_str()),
                ("quantite_stock", "0"),
                ("motif", "vol"),
            ],
        ),
        (
            "/terminaux".to_owned(),
            vec![("numero_serie", "INTRUS"), ("nom_terminal", "Intrus")],
        ),
        (format!("/terminaux/{other_till}/cle"), vec![]),
        (
            format!("/terminaux/{other_till}/actif"),
            vec![("actif", "0")],
        ),
        (
            format!("/ventes-rejetees/{rejection}/resoudre"),
            vec![("commentaire", "vu")],
        ),
        (
            "/alertes-stock/1/fermer".to_owned(),
            vec![("commentaire", "vu")],
        ),
    ] {
        let page = ma
            .post(&format!("/backoffice/boutiques/{other}{path}"), &fields)
            .await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "POST {path}: {}",
            page.text
        );
    }
    assert_eq!((app.fingerprint().await, review_state(&app).await), before);

    // The own boutique is there, and lists only its own.
    ma.get(&format!("/backoffice/boutiques/{own}/ventes"))
        .await
        .assert_ok()
        .assert_lacks("AUTRE-0001");
    ma.get(&format!(
        "/backoffice/boutiques/{own}/ventes-rejetees?etat=toutes"
    ))
    .await
    .assert_ok()
    .assert_lacks("AUTRE-0002");
}

#[tokio::test]
async fn another_merchants_ids_in_forms_and_filters_name_nothing() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let own = shop_id(&app, "BTQ-009").await;
    let riz = app.article("BTQ-010", "RIZ-005").await;
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let other_till = terminal_id(&app, OTHER_SERIAL).await;
    let other_category: i64 = sqlx::query_scalar(
        "SELECT c.id FROM categories c JOIN boutiques b ON b.id = c.boutique_id
         WHERE b.code_boutique = 'BTQ-010' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.sync(
        OTHER_SERIAL,
        &json!([sale("AUTRE-0001", &[(riz.id, 2, 25000.0)])]),
    )
    .await;
    app.sync(
        OTHER_SERIAL,
        &json!([sale("AUTRE-0002", &[(riz.id, 1000, 25000.0)])]),
    )
    .await;
    let rejection = count(&app, "SELECT max(id) FROM ventes_rejetees").await;
    let before = (app.fingerprint().await, review_state(&app).await);
    let url = |path: &str| format!("/backoffice/boutiques/{own}{path}");
    let riz_id = riz.id.to_string();

    // A delivery or an adjustment of the other shop's article, under this shop's address.
    let delivery = ma
        .post(
            &url("/entrees"),
            &[
                ("reference_document", "BL-X"),
                ("article_id", &chargeur.id.to_string()),
                ("quantite", "1"),
                ("article_id", &riz_id),
                ("quantite", "5"),
            ],
        )
        .await;
    assert_eq!(delivery.status, StatusCode::UNPROCESSABLE_ENTITY);
    delivery.assert_contains("Article introuvable dans cette boutique");
    let adjustment = ma
        .post(
            &url("/ajustements"),
            &[
                ("article_id", &riz_id),
                ("quantite_stock", "0"),
                ("motif", "inventaire"),
            ],
        )
        .await;
    assert_eq!(adjustment.status, StatusCode::UNPROCESSABLE_ENTITY);
    adjustment.assert_contains("Article introuvable dans cette boutique");
    // Its article, till, refused sale, and category, named under this shop's address.
    ma.get(&url(&format!("/articles/{riz_id}")))
        .await
        .assert_not_found();
    assert_eq!(
        ma.post(
            &url(&format!("/articles/{riz_id}")),
            &[("code", "RIZ-005"), ("nom", "Volé"), ("prix_vente", "1")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ma.post(&url(&format!("/terminaux/{other_till}/cle")), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ma.post(
            &url(&format!("/terminaux/{other_till}/actif")),
            &[("actif", "0")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ma.post(
            &url(&format!("/ventes-rejetees/{rejection}/resoudre")),
            &[("commentaire", "vu")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let category = ma
        .post(
            &url(&format!("/articles/{}", chargeur.id)),
            &[
                ("code", "CHG-001"),
                ("nom", "Chargeur USB-C 25 W"),
                ("prix_vente", "25000"),
                ("categorie_id", &other_category.to_string()),
                ("est_actif", "1"),
            ],
        )
        .await;
    assert_eq!(category.status, StatusCode::UNPROCESSABLE_ENTITY);
    category.assert_contains("catégorie introuvable dans cette boutique");
    assert_eq!((app.fingerprint().await, review_state(&app).await), before);

    // Filters naming the other shop's till or article find nothing of it.
    ma.get(&url(&format!("/ventes?terminal_id={other_till}")))
        .await
        .assert_ok()
        .assert_contains("Aucune vente")
        .assert_lacks("AUTRE-0001");
    let csv = ma
        .get(&url(&format!("/ventes.csv?terminal_id={other_till}")))
        .await;
    assert_eq!(csv.text.lines().count(), 1, "{}", csv.text);
    ma.get(&url(&format!("/mouvements?article_id={riz_id}")))
        .await
        .assert_ok()
        .assert_contains("Aucun mouvement")
        .assert_lacks("Riz 5 kg");
    let csv = ma
        .get(&url(&format!("/mouvements.csv?article_id={riz_id}")))
        .await;
    assert_eq!(csv.text.lines().count(), 1, "{}", csv.text);
}

#[tokio::test]
async fn a_superuser_sees_every_boutique() {
    let app = spawn().await;
    caisse::accounts::create_user(
        &app.pool,
        caisse::accounts::NewUser {
            email: "admin@caisse.example",
            nom: "Admin",
            commercant_id: None,
            superuser: true,
            password: "un mot de passe solide",
        },
    )
    .await
    .unwrap();
    let admin = Browser::logged_in(&app, "admin@caisse.example", "un mot de passe solide").await;
    admin
        .get("/backoffice/")
        .await
        .assert_ok()
        .assert_contains("Toutes les boutiques")
        .assert_contains("Ma Boutique")
        .assert_contains("Autre Boutique")
        .assert_contains("Ets Autre Boutique");
    let other = shop_id(&app, "BTQ-010").await;
    admin
        .get(&format!("/backoffice/boutiques/{other}/articles"))
        .await
        .assert_ok()
        .assert_contains("Riz 5 kg");

    // A merchant given a boutique sees it from the next page on.
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let (merchant, _) = caisse::accounts::find_merchant(&app.pool, "Ets Ma Boutique")
        .await
        .unwrap();
    caisse::accounts::assign_boutique(&app.pool, "BTQ-010", merchant)
        .await
        .unwrap();
    ma.get(&format!("/backoffice/boutiques/{other}/articles"))
        .await
        .assert_ok()
        .assert_contains("Riz 5 kg");
    let autre = Browser::new(&app);
    autre.try_login(AUTRE, AUTRE_PASSWORD).await;
    autre
        .get("/backoffice/")
        .await
        .assert_ok()
        .assert_contains("Aucune boutique")
        .assert_lacks("Riz 5 kg");
}

#[tokio::test]
async fn the_dashboards_show_the_day_the_alerts_and_the_silent_tills() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let batterie = app.article("BTQ-009", "BAT-001").await;

    let sold = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("FAC-DASH-1", &[(chargeur.id, 2, 25000.0)])]),
        )
        .await;
    assert_eq!(sold.status, 201, "{:#}", sold.body);
    // A sale of last year counts in neither today nor this month.
    let mut old = sale("FAC-DASH-0", &[(chargeur.id, 1, 25000.0)]);
    old["date_vente"] = json!("2025-01-15T10:00:00+01:00");
    app.sync(DEMO_SERIAL, &json!([old])).await;
    // Refused: more batteries than in stock.
    app.sync(
        DEMO_SERIAL,
        &json!([sale("FAC-DASH-2", &[(batterie.id, 50, 45000.0)])]),
    )
    .await;
    // The till was seen when it synced (recorded off the request's path): then it falls silent.
    while count(&app, &format!("SELECT count(*) FROM terminaux WHERE numero_serie = '{DEMO_SERIAL}' AND derniere_activite IS NOT NULL")).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sqlx::query("UPDATE terminaux SET derniere_activite = now() - interval '30 hours' WHERE numero_serie = $1")
        .bind(DEMO_SERIAL)
        .execute(&app.pool)
        .await
        .unwrap();

    let merchant = ma.get("/backoffice/").await;
    merchant
        .assert_ok()
        .assert_contains("50 000 CDF")
        .assert_contains("1 vente(s)")
        .assert_contains("1 en rupture")
        .assert_contains("2 bas");
    // With or without a trailing slash.
    let shop = ma.get(&format!("/backoffice/boutiques/{b}/")).await;
    shop.assert_ok()
        .assert_contains("Aujourd'hui")
        .assert_contains("50 000 CDF")
        .assert_contains("Samsung Galaxy A15")
        .assert_contains("Rupture")
        .assert_contains("Batterie externe 10000 mAh")
        .assert_contains("FAC-DASH-2")
        .assert_contains("INSUFFICIENT_STOCK")
        .assert_contains("Terminal MAUI")
        .assert_contains("vu il y a 30 h")
        .assert_lacks("Ancien terminal");

    // The silence threshold is a setting.
    let patient = TestApp::spawn_with(|config| {
        config.plain_http = true;
        config.terminal_silence_hours = 48;
    })
    .await;
    sqlx::query("UPDATE terminaux SET derniere_activite = now() - interval '30 hours'")
        .execute(&patient.pool)
        .await
        .unwrap();
    let ma = Browser::logged_in(&patient, MA, MA_PASSWORD).await;
    ma.get(&format!("/backoffice/boutiques/{b}"))
        .await
        .assert_ok()
        .assert_contains("plus de 48 h")
        .assert_contains("Tous les terminaux actifs ont donné des nouvelles");
}

#[tokio::test]
async fn a_sale_beyond_the_stock_raises_an_alert_a_manager_closes() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    sqlx::query("UPDATE boutiques SET politique_stock = 'AUTORISER_NEGATIF' WHERE id = $1")
        .bind(b)
        .execute(&app.pool)
        .await
        .unwrap();
    let coque = app.article("BTQ-009", "COQ-001").await;
    let sold = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("FAC-NEG-1", &[(coque.id, 8, 15000.0)])]),
        )
        .await;
    assert_eq!(sold.status, 201, "{:#}", sold.body);
    let dashboard = ma.get(&format!("/backoffice/boutiques/{b}")).await;
    dashboard
        .assert_ok()
        .assert_contains("1 négatif")
        .assert_contains("Négatif")
        .assert_contains("Ventes enregistrées sans stock")
        .assert_contains("FAC-NEG-1")
        .assert_contains("5 → -3");
    let alert = count(&app, "SELECT id FROM alertes_stock").await;
    ma.post(
        &format!("/backoffice/boutiques/{b}/alertes-stock/{alert}/fermer"),
        &[("commentaire", "Livraison oubliée, saisie")],
    )
    .await
    .assert_redirect(&format!("/backoffice/boutiques/{b}?fait=alerte-fermee"));
    let (closed, by, comment): (bool, String, String) =
        sqlx::query_as("SELECT fermee, fermee_par, commentaire FROM alertes_stock")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(closed);
    assert_eq!(by, format!("backoffice:{MA}"));
    assert_eq!(comment, "Livraison oubliée, saisie");
    ma.get(&format!("/backoffice/boutiques/{b}"))
        .await
        .assert_lacks("Ventes enregistrées sans stock");
}

#[tokio::test]
async fn receiving_a_delivery_and_adjusting_the_stock() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let samsung = app.article("BTQ-009", "TEL-001").await;

    ma.get(&url("/entrees"))
        .await
        .assert_ok()
        .assert_contains("Recevoir une livraison")
        .assert_contains("Chargeur USB-C 25 W (CHG-001) — stock 100");
    let lines = [
        ("reference_document", "BL-2026-001"),
        ("article_id", &chargeur.id.to_string()),
        ("quantite", "24"),
        ("article_id", ""),
        ("quantite", ""),
        ("article_id", &samsung.id.to_string()),
        ("quantite", "3"),
        ("commentaire", "Fournisseur Kin"),
    ];
    let done = ma.post(&url("/entrees"), &lines).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let journal = ma.get(done.location.as_deref().unwrap()).await;
    journal
        .assert_ok()
        .assert_contains("Livraison « BL-2026-001 » enregistrée : 2 article(s).")
        .assert_contains("100 → <strong>124</strong>")
        .assert_contains("0 → <strong>3</strong>")
        .assert_contains("BL-2026-001");
    assert_eq!(app.stock(chargeur.id).await, 124);
    assert_eq!(app.stock(samsung.id).await, 3);
    type Movement = (String, i32, Option<String>, Option<String>, Option<String>);
    let movements: Vec<Movement> = sqlx::query_as(
        "SELECT type_mouvement, quantite, reference_document, utilisateur, commentaire
             FROM mouvements_stock ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let signed = format!("backoffice:{MA}");
    assert_eq!(
        movements,
        [
            (
                "ENTREE".to_owned(),
                24,
                Some("BL-2026-001".to_owned()),
                Some(signed.clone()),
                Some("Fournisseur Kin".to_owned())
            ),
            (
                "ENTREE".to_owned(),
                3,
                Some("BL-2026-001".to_owned()),
                Some(signed.clone()),
                Some("Fournisseur Kin".to_owned())
            ),
        ]
    );

    // The same note again (a double click): refused, nothing counted twice.
    let again = ma.post(&url("/entrees"), &lines).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("a déjà été reçu");
    assert_eq!(app.stock(chargeur.id).await, 124);
    // Unusable forms say why and change nothing.
    for (fields, reason) in [
        (
            vec![
                ("reference_document", "BL-2"),
                ("article_id", &chargeur.id.to_string()[..]),
                ("quantite", "0"),
            ],
            "Ligne 1 : la quantité reçue doit être un entier de 1 à 1000000.",
        ),
        (
            vec![
                ("reference_document", "BL-2"),
                ("article_id", ""),
                ("quantite", "4"),
            ],
            "Ligne 1 : choisissez l'article reçu.",
        ),
        (
            vec![
                ("reference_document", ""),
                ("article_id", &chargeur.id.to_string()[..]),
                ("quantite", "4"),
            ],
            "Indiquez la référence du bon de livraison",
        ),
        (
            vec![
                ("reference_document", "BL-2"),
                ("article_id", ""),
                ("quantite", ""),
            ],
            "Indiquez au moins un article reçu",
        ),
    ] {
        let page = ma.post(&url("/entrees"), &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}");
        page.assert_contains(reason);
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM mouvements_stock").await,
        2
    );

    // An adjustment after counting: the stock found, with the reason.
    ma.get(&url(&format!("/ajustements?article_id={}", chargeur.id)))
        .await
        .assert_ok()
        .assert_contains("Stock actuel de Chargeur USB-C 25 W : <strong>124</strong>");
    let missing_reason = ma
        .post(
            &url("/ajustements"),
            &[
                ("article_id", &chargeur.id.to_string()),
                ("quantite_stock", "120"),
            ],
        )
        .await;
    assert_eq!(missing_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    missing_reason.assert_contains("Indiquez la raison");
    ma.post(
        &url("/ajustements"),
        &[
            ("article_id", &chargeur.id.to_string()),
            ("quantite_stock", "120"),
            ("motif", "Inventaire : 4 cassés"),
        ],
    )
    .await
    .assert_redirect(&url(&format!(
        "/mouvements?article_id={}&fait=ajustement",
        chargeur.id
    )));
    assert_eq!(app.stock(chargeur.id).await, 120);
    let (kind, quantity, comment): (String, i32, String) = sqlx::query_as(
        "SELECT type_mouvement, quantite, commentaire FROM mouvements_stock ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), quantity), ("AJUSTEMENT", -4));
    assert_eq!(comment, "Inventaire : 4 cassés");

    // The journal, filtered, and as CSV.
    let journal = ma
        .get(&url(&format!(
            "/mouvements?article_id={}&type_mouvement=AJUSTEMENT",
            chargeur.id
        )))
        .await;
    journal
        .assert_ok()
        .assert_contains("1 mouvement(s)")
        .assert_contains("124 → <strong>120</strong>")
        .assert_lacks("BL-2026-001")
        // Its export link carries the page's filters.
        .assert_contains(&format!(
            "mouvements.csv?article_id={}&amp;type_mouvement=AJUSTEMENT\"",
            chargeur.id
        ));
    let csv = ma
        .get(&url(&format!("/mouvements.csv?article_id={}", chargeur.id)))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let rows: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        rows[0],
        "\u{feff}date;article_code;article;type_mouvement;quantite;stock_avant;stock_apres;reference_document;utilisateur;commentaire"
    );
    assert_eq!(rows.len(), 3, "{}", csv.text);
    assert!(rows[1].ends_with(&format!(
        ";CHG-001;Chargeur USB-C 25 W;ENTREE;24;100;124;BL-2026-001;{signed};Fournisseur Kin"
    )));
    assert!(rows[2].ends_with(&format!(
        ";CHG-001;Chargeur USB-C 25 W;AJUSTEMENT;-4;124;120;;{signed};Inventaire : 4 cassés"
    )));
    let bad = ma.get(&url("/mouvements?date_debut=hier")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Paramètre 'date_debut' invalide");
    app.assert_invariants().await;
}

#[tokio::test]
async fn creating_and_editing_articles() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    let accessoires: i64 = sqlx::query_scalar(
        "SELECT id FROM categories WHERE boutique_id = $1 AND nom = 'Accessoires'",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let list = ma.get(&url("/articles")).await;
    list.assert_ok()
        .assert_contains("9 article(s)")
        .assert_contains("25 000 CDF")
        .assert_contains("Nokia 105 (retiré)");
    ma.get(&url("/articles?recherche=galaxy"))
        .await
        .assert_contains("2 article(s)")
        .assert_contains("Coque Galaxy A15")
        .assert_lacks("Tecno Spark 20");
    let telephones: i64 = sqlx::query_scalar(
        "SELECT id FROM categories WHERE boutique_id = $1 AND nom = 'Téléphones'",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    ma.get(&url(&format!("/articles?categorie_id={telephones}")))
        .await
        .assert_contains("3 article(s)")
        .assert_contains("Tecno Spark 20")
        .assert_lacks("Coque Galaxy A15");

    ma.get(&url("/articles/nouveau")).await.assert_ok();
    let created = ma
        .post(
            &url("/articles"),
            &[
                ("code", "SUP-001"),
                ("nom", "Support voiture"),
                ("description", "Aimanté"),
                ("prix_vente", "12 500,50"),
                ("prix_achat", ""),
                ("categorie_id", &accessoires.to_string()),
                ("quantite_stock", "7"),
                ("est_actif", "1"),
            ],
        )
        .await;
    created.assert_redirect(&url("/articles?fait=article-cree"));
    let (id, price, stock, category, active): (i64, rust_decimal::Decimal, i32, Option<i64>, bool) =
        sqlx::query_as(
            "SELECT id, prix_vente, quantite_stock, categorie_id, est_actif FROM articles WHERE code = 'SUP-001'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(price.to_string(), "12500.50");
    assert_eq!((stock, category, active), (7, Some(accessoires), true));
    ma.get(&url("/articles?fait=article-cree"))
        .await
        .assert_contains("Article créé.")
        .assert_contains("12 500,50 CDF");

    // Refused: a code already used, a price that is no price; what was typed stays.
    let taken = ma
        .post(
            &url("/articles"),
            &[
                ("code", "CHG-001"),
                ("nom", "Doublon"),
                ("prix_vente", "10"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    taken
        .assert_contains("Champ 'code' : cette valeur est déjà utilisée")
        .assert_contains(r#"value="Doublon""#);
    let unpriced = ma
        .post(
            &url("/articles"),
            &[
                ("code", "X-2"),
                ("nom", "Sans prix"),
                ("prix_vente", "beaucoup"),
            ],
        )
        .await;
    assert_eq!(unpriced.status, StatusCode::UNPROCESSABLE_ENTITY);
    unpriced.assert_contains("Champ 'prix_vente' invalide");
    assert_eq!(count(&app, "SELECT count(*) FROM articles").await, 18);

    // Edited: price, category, withdrawn. The stock is not the form's business.
    let edit = ma.get(&url(&format!("/articles/{id}"))).await;
    edit.assert_ok()
        .assert_contains(r#"value="12500,50""#)
        .assert_contains("Ajuster le stock");
    ma.post(
        &url(&format!("/articles/{id}")),
        &[
            ("code", "SUP-001"),
            ("nom", "Support voiture magnétique"),
            ("description", ""),
            ("prix_vente", "15000"),
            ("prix_achat", "9000"),
            ("categorie_id", ""),
        ],
    )
    .await
    .assert_redirect(&url("/articles?fait=article-modifie"));
    let (nom, description, price, cost, category, active, stock): (
        String,
        String,
        rust_decimal::Decimal,
        rust_decimal::Decimal,
        Option<i64>,
        bool,
        i32,
    ) = sqlx::query_as(
        "SELECT nom, description, prix_vente, prix_achat, categorie_id, est_actif, quantite_stock
         FROM articles WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(nom, "Support voiture magnétique");
    assert_eq!(description, "");
    assert_eq!(
        (price.to_string(), cost.to_string()),
        ("15000.00".into(), "9000.00".into())
    );
    assert_eq!((category, active, stock), (None, false, 7));
    let blank_name = ma
        .post(
            &url(&format!("/articles/{id}")),
            &[("code", "SUP-001"), ("nom", ""), ("prix_vente", "15000")],
        )
        .await;
    assert_eq!(blank_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    blank_name.assert_contains("Champ 'nom' invalide");

    // A category, then its use.
    ma.post(&url("/categories"), &[("nom", "Auto"), ("description", "")])
        .await
        .assert_redirect(&url("/articles?fait=categorie-creee"));
    let duplicate = ma.post(&url("/categories"), &[("nom", "Auto")]).await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    duplicate.assert_contains("Champ 'nom' : cette valeur est déjà utilisée");
    ma.get(&url("/articles/nouveau"))
        .await
        .assert_contains(">Auto</option>");
}

#[tokio::test]
async fn managing_tills_and_their_keys() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");

    sqlx::query("UPDATE terminaux SET version_app_maui = '2.4.1', derniere_activite = now() - interval '5 minutes' WHERE numero_serie = $1")
        .bind(DEMO_SERIAL)
        .execute(&app.pool)
        .await
        .unwrap();
    ma.get(&url("/terminaux"))
        .await
        .assert_ok()
        .assert_contains("Terminal MAUI")
        .assert_contains("il y a 5 min")
        .assert_contains("2.4.1")
        .assert_contains("Ancien terminal")
        .assert_contains("désactivé");

    let created = ma
        .post(
            &url("/terminaux"),
            &[("numero_serie", "TILL-NEW-1"), ("nom_terminal", "Caisse 2")],
        )
        .await;
    created
        .assert_ok()
        .assert_contains("Terminal créé")
        .assert_contains("elle ne sera plus jamais affichée");
    let key_start = created.text.find(r#"<p class="key">"#).unwrap() + r#"<p class="key">"#.len();
    let key = created.text[key_start..][..64].to_owned();
    // The key works for the new till, and is never shown again.
    let catalogue = |key: String| {
        let app = &app;
        async move {
            app.send(
                app.request(
                    reqwest::Method::GET,
                    "/api/v2/simple/articles/",
                    Some("TILL-NEW-1"),
                )
                .header("X-Api-Key", key),
            )
            .await
        }
    };
    assert_eq!(catalogue(key.clone()).await.status, 200);
    assert_eq!(catalogue("0".repeat(64)).await.status, 401);
    ma.get(&url("/terminaux"))
        .await
        .assert_contains("Caisse 2")
        .assert_lacks(&key);

    let duplicate = ma
        .post(
            &url("/terminaux"),
            &[("numero_serie", "TILL-NEW-1"), ("nom_terminal", "Encore")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    duplicate.assert_contains("Champ 'numero_serie' : cette valeur est déjà utilisée");

    // A new key: the old one stops working at once.
    let till = terminal_id(&app, "TILL-NEW-1").await;
    let rotated = ma.post(&url(&format!("/terminaux/{till}/cle")), &[]).await;
    rotated.assert_ok().assert_contains("Nouvelle clé");
    let key_start = rotated.text.find(r#"<p class="key">"#).unwrap() + r#"<p class="key">"#.len();
    let new_key = rotated.text[key_start..][..64].to_owned();
    assert_ne!(new_key, key);
    assert_eq!(catalogue(key).await.status, 401);
    assert_eq!(catalogue(new_key.clone()).await.status, 200);

    // Deactivated: refused from its next request; reactivated: back.
    ma.post(&url(&format!("/terminaux/{till}/actif")), &[("actif", "0")])
        .await
        .assert_redirect(&url("/terminaux?fait=desactive"));
    catalogue(new_key.clone())
        .await
        .assert_error(404, "TERMINAL_NOT_FOUND");
    ma.post(&url(&format!("/terminaux/{till}/actif")), &[("actif", "1")])
        .await
        .assert_redirect(&url("/terminaux?fait=reactive"));
    assert_eq!(catalogue(new_key).await.status, 200);

    // Created from the form, a till must present its key; its serial alone is refused.
    let serial_only = || {
        let app = &app;
        async move {
            app.get("/api/v2/simple/articles/", Some("TILL-NEW-1"))
                .await
                .status
        }
    };
    assert_eq!(serial_only().await, 401);
    ma.get(&url("/terminaux"))
        .await
        .assert_contains("clé exigée");
    ma.get(&url("/")).await.assert_lacks("TILL-NEW-1");
    // A manager lets it in on its serial: the dashboard shows the risk and when it was used.
    ma.post(
        &url(&format!("/terminaux/{till}/cle-requise")),
        &[("requise", "0")],
    )
    .await
    .assert_redirect(&url("/terminaux?fait=sans-cle"));
    assert_eq!(serial_only().await, 200);
    let mut dashboard = ma.get(&url("/")).await;
    for _ in 0..50 {
        if dashboard.text.contains("entré sans clé") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        dashboard = ma.get(&url("/")).await;
    }
    dashboard
        .assert_contains("Terminaux identifiés par leur seul numéro de série")
        .assert_contains("TILL-NEW-1")
        .assert_contains("entré sans clé");
    ma.post(
        &url(&format!("/terminaux/{till}/cle-requise")),
        &[("requise", "1")],
    )
    .await
    .assert_redirect(&url("/terminaux?fait=cle-exigee"));
    assert_eq!(serial_only().await, 401);

    // Ticked "no key yet" when created: serial only from the start.
    ma.post(
        &url("/terminaux"),
        &[
            ("numero_serie", "TILL-OLD-APP"),
            ("nom_terminal", "Caisse 3"),
            ("sans_cle", "1"),
        ],
    )
    .await
    .assert_ok();
    assert_eq!(
        app.get("/api/v2/simple/articles/", Some("TILL-OLD-APP"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_sales_history_its_export_and_the_refused_sales() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let ecouteurs = app.article("BTQ-009", "ECO-001").await;
    let till = terminal_id(&app, DEMO_SERIAL).await;

    let mut mobile = sale("FAC-0002", &[(ecouteurs.id, 1, 75000.0)]);
    mobile["mode_paiement"] = json!("MOBILE_MONEY");
    mobile["date_vente"] = json!("2026-11-20T09:30:00+01:00");
    let synced = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale(
                    "FAC-0001",
                    &[(chargeur.id, 2, 25000.0), (ecouteurs.id, 1, 75000.0)]
                ),
                mobile,
                sale("FAC-0003", &[(chargeur.id, 500, 25000.0)]),
            ]),
        )
        .await;
    assert_eq!(synced.status, 201, "{:#}", synced.body);

    let history = ma.get(&url("/ventes")).await;
    history
        .assert_ok()
        .assert_contains("2 vente(s)")
        .assert_contains("200 000 CDF")
        .assert_contains("FAC-0001")
        .assert_contains("2 × Chargeur USB-C 25 W")
        .assert_contains("à 25 000 CDF = 50 000 CDF")
        .assert_contains("125 000 CDF")
        .assert_contains("20/11/2026 09:30")
        .assert_lacks("FAC-0003");
    ma.get(&url("/ventes?mode_paiement=mobile_money"))
        .await
        .assert_contains("1 vente(s)")
        .assert_contains("FAC-0002")
        .assert_lacks("FAC-0001");
    ma.get(&url(
        "/ventes?date_debut=2026-11-20&date_fin=2026-11-20&page=1",
    ))
    .await
    .assert_contains("1 vente(s)")
    .assert_contains("FAC-0002")
    .assert_contains("ventes.csv?date_debut=2026-11-20&amp;date_fin=2026-11-20\"");
    ma.get(&url(&format!("/ventes?terminal_id={till}")))
        .await
        .assert_contains("2 vente(s)");
    let bad = ma
        .get(&url("/ventes?date_debut=2026-11-21&date_fin=2026-11-20"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Paramètre 'date_fin' invalide");

    let csv = ma
        .get(&url(
            "/ventes.csv?date_debut=2026-11-20&date_fin=2026-11-20",
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(
        csv.text.lines().collect::<Vec<_>>(),
        [
            "\u{feff}date;numero_facture;terminal;mode_paiement;paye;annulee;montant_total;devise;article_code;article;quantite;prix_unitaire;sous_total;quantite_retournee;montant_retourne;montant_net",
            // Amounts hold a decimal comma: quoted, for a spreadsheet set to either separator.
            "2026-11-20 09:30:00;FAC-0002;Terminal MAUI;MOBILE_MONEY;oui;non;\"75000,00\";CDF;ECO-001;Écouteurs Bluetooth;1;\"75000,00\";\"75000,00\";0;\"0,00\";\"75000,00\"",
        ]
    );
    let all = ma.get(&url("/ventes.csv")).await;
    assert_eq!(all.text.lines().count(), 1 + 3, "{}", all.text);

    // The refused sale, as the till sent it, until resolved.
    let refused = ma.get(&url("/ventes-rejetees")).await;
    refused
        .assert_ok()
        .assert_contains("FAC-0003")
        .assert_contains("INSUFFICIENT_STOCK")
        .assert_contains("&quot;quantite&quot;: 500");
    let id = count(&app, "SELECT id FROM ventes_rejetees").await;
    let empty = ma
        .post(
            &url(&format!("/ventes-rejetees/{id}/resoudre")),
            &[("commentaire", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    ma.post(
        &url(&format!("/ventes-rejetees/{id}/resoudre")),
        &[("commentaire", "Erreur de saisie : 5 et non 500")],
    )
    .await
    .assert_redirect(&url("/ventes-rejetees?fait=resolue"));
    let (resolved, by, comment): (bool, String, String) =
        sqlx::query_as("SELECT resolue, resolu_par, commentaire_resolution FROM ventes_rejetees")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(resolved);
    assert_eq!(by, format!("backoffice:{MA}"));
    assert_eq!(comment, "Erreur de saisie : 5 et non 500");
    ma.get(&url("/ventes-rejetees"))
        .await
        .assert_contains("Aucune vente refusée ici")
        .assert_lacks("FAC-0003");
    ma.get(&url("/ventes-rejetees?etat=resolues"))
        .await
        .assert_contains("FAC-0003")
        .assert_contains("Erreur de saisie : 5 et non 500");
}

#[tokio::test]
async fn the_static_files_and_unknown_pages() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    let css = browser.get("/backoffice/static/caisse.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
    let htmx = browser.get("/backoffice/static/htmx.min.js").await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.text.starts_with("var htmx="));
    browser
        .get("/backoffice/static/autre.js")
        .await
        .assert_not_found();
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    ma.get("/backoffice/nulle-part").await.assert_not_found();
    // Pages are never cached, and may not be framed by another site.
    let page = ma.client.get(app.url("/backoffice/")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn accounts_as_the_command_line_makes_them() {
    let app = spawn().await;
    let id =
        caisse::accounts::create_merchant(&app.pool, " Ets Kivu ", Some("Contact@Kivu.example"))
            .await
            .unwrap();
    // Named by id or by name; a name is unique.
    assert_eq!(
        caisse::accounts::find_merchant(&app.pool, &id.to_string())
            .await
            .unwrap(),
        (id, "Ets Kivu".to_owned())
    );
    assert_eq!(
        caisse::accounts::find_merchant(&app.pool, "Ets Kivu")
            .await
            .unwrap()
            .0,
        id
    );
    assert!(
        caisse::accounts::create_merchant(&app.pool, "Ets Kivu", None)
            .await
            .is_err()
    );
    assert!(
        caisse::accounts::find_merchant(&app.pool, "Ets Inconnu")
            .await
            .is_err()
    );
    assert_eq!(
        caisse::accounts::assign_boutique(&app.pool, "BTQ-009", id)
            .await
            .unwrap(),
        "Ma Boutique"
    );
    assert!(
        caisse::accounts::assign_boutique(&app.pool, "BTQ-999", id)
            .await
            .is_err()
    );
    let user = |email: &'static str, password: &'static str| caisse::accounts::NewUser {
        email,
        nom: "Gérante",
        commercant_id: Some(id),
        superuser: false,
        password,
    };
    caisse::accounts::create_user(
        &app.pool,
        user("Gerante@Kivu.example", "premier mot de passe"),
    )
    .await
    .unwrap();
    // One account per address, whatever its case; passwords of 10 characters at least.
    assert!(
        caisse::accounts::create_user(&app.pool, user("gerante@kivu.example", "un autre encore"))
            .await
            .is_err()
    );
    assert!(
        caisse::accounts::create_user(&app.pool, user("autre@kivu.example", "court"))
            .await
            .is_err()
    );
    let hash: String = sqlx::query_scalar(
        "SELECT mot_de_passe_hash FROM utilisateurs WHERE email = 'gerante@kivu.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let browser = Browser::logged_in(&app, "gerante@kivu.example", "premier mot de passe").await;
    browser
        .get("/backoffice/")
        .await
        .assert_contains("Ets Kivu")
        .assert_contains("Ma Boutique");
    // A new password closes the sessions opened with the old one.
    caisse::accounts::set_password(&app.pool, "GERANTE@kivu.example", "second mot de passe")
        .await
        .unwrap();
    assert_eq!(
        browser.get("/backoffice/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app)
            .try_login("gerante@kivu.example", "premier mot de passe")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    Browser::logged_in(&app, "gerante@kivu.example", "second mot de passe").await;
}

/// A manager sets the dollar rate, stops and reopens the tills, and changes the shop's
/// currency from the back-office; the tills read each change through their API.
#[tokio::test]
async fn the_shops_rate_its_tills_and_its_currency_from_the_settings_page() {
    let app = spawn().await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    ma.get(&url("/reglages"))
        .await
        .assert_ok()
        .assert_contains("Réglages de vente")
        .assert_contains("ouvertes")
        .assert_contains("2 800 CDF");

    ma.post(&url("/reglages/taux"), &[("taux_dollar", "2 850,50")])
        .await
        .assert_redirect(&url("/reglages?fait=taux"));
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(catalogue.body["taux_dollar"], "2850.50");
    ma.get(&url("/reglages"))
        .await
        .assert_contains("2 850,50")
        .assert_contains("taux propre à la boutique")
        .assert_contains("Historique");
    let refused = ma
        .post(&url("/reglages/taux"), &[("taux_dollar", "-3")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    refused.assert_contains("taux_dollar");
    // Blank: the merchant's rate applies again.
    ma.post(&url("/reglages/taux"), &[("taux_dollar", "")])
        .await
        .assert_redirect(&url("/reglages?fait=taux"));
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(catalogue.body["taux_dollar"], "2800.00");
    // The merchant's rate, for its shops without one of their own.
    ma.post(
        &url("/reglages/taux-commercant"),
        &[("taux_dollar", "2900")],
    )
    .await
    .assert_redirect(&url("/reglages?fait=taux"));
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(catalogue.body["taux_dollar"], "2900.00");
    ma.get(&url("/reglages"))
        .await
        .assert_contains("taux du commerçant");
    let refused = ma
        .post(&url("/reglages/taux-commercant"), &[("taux_dollar", "")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    ma.post(&url("/reglages/caisses"), &[("ouvertes", "0")])
        .await
        .assert_redirect(&url("/reglages?fait=caisses-arretees"));
    let status = app
        .get("/api/v2/simple/pos/status/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        (
            status.body["pos_allowed"].clone(),
            status.body["code"].clone()
        ),
        (json!(false), json!("POS_DISABLED"))
    );
    ma.get(&url("/reglages")).await.assert_contains("arrêtées");
    ma.post(&url("/reglages/caisses"), &[("ouvertes", "1")])
        .await
        .assert_redirect(&url("/reglages?fait=caisses-ouvertes"));
    let status = app
        .get("/api/v2/simple/pos/status/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(status.body["code"], "POS_OK");

    ma.post(&url("/reglages/devise"), &[("devise", "USD")])
        .await
        .assert_redirect(&url("/reglages?fait=devise"));
    let devise: String = sqlx::query_scalar("SELECT devise FROM boutiques WHERE id = $1")
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(devise, "USD");
    let refused = ma
        .post(&url("/reglages/devise"), &[("devise", "EUR")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Another merchant's manager cannot reach these settings.
    let autre = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    autre.get(&url("/reglages")).await.assert_not_found();
    autre
        .post(&url("/reglages/caisses"), &[("ouvertes", "0")])
        .await
        .assert_not_found();
    autre
        .post(&url("/reglages/taux-commercant"), &[("taux_dollar", "1")])
        .await
        .assert_not_found();
    let status = app
        .get("/api/v2/simple/pos/status/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(status.body["code"], "POS_OK");
}

#[tokio::test]
async fn a_count_from_the_back_office_with_a_late_offline_sale() {
    let app = spawn().await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    let chargeur = app.article("BTQ-009", "CHG-001").await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;

    ma.get(&url("/comptages"))
        .await
        .assert_ok()
        .assert_contains("Aucun comptage pour l'instant.")
        .assert_contains("était déjà sortie du rayon");
    let opened = ma
        .post(&url("/comptages"), &[("commentaire", "Inventaire du soir")])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text);
    let session = opened.location.clone().unwrap();
    let id: i64 = session.rsplit('/').next().unwrap().parse().unwrap();
    // Counted on a phone: one article, one number.
    let refused = ma
        .post(
            &format!("{session}/lignes"),
            &[("article_id", &chargeur.id.to_string()), ("quantite", "-2")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Le nombre compté doit être un entier");
    ma.post(
        &format!("{session}/lignes"),
        &[("article_id", &chargeur.id.to_string()), ("quantite", "96")],
    )
    .await
    .assert_redirect(&format!("{session}?fait=ligne"));
    ma.get(&format!("{session}?fait=ligne"))
        .await
        .assert_ok()
        .assert_contains("Article compté.")
        .assert_contains("Chargeur USB-C 25 W (CHG-001)")
        .assert_contains("<td class=\"num\">96</td>")
        .assert_contains("Appliquer le comptage");
    // A second count cannot start while this one is open: the manager is taken to it.
    ma.post(&url("/comptages"), &[("commentaire", "")])
        .await
        .assert_redirect(&session);

    ma.post(&format!("{session}/appliquer"), &[])
        .await
        .assert_redirect(&format!("{session}?fait=applique"));
    assert_eq!(app.stock(chargeur.id).await, 96);
    // A till offline since before the count sends its sale of 2: recorded, stock kept.
    let made = chrono::Utc::now() - chrono::Duration::minutes(10);
    let mut late = sale("HORS-LIGNE-1", &[(chargeur.id, 2, 25000.0)]);
    late["date_vente"] = json!(
        made.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    );
    let reply = app.sync(DEMO_SERIAL, &json!([late])).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(app.stock(chargeur.id).await, 96);
    ma.get(&format!("{session}?fait=applique"))
        .await
        .assert_ok()
        .assert_contains("Comptage appliqué")
        .assert_contains("<td class=\"num\">100</td><td class=\"num\">96</td>");
    ma.get(&url("/mouvements?type_mouvement=AJUSTEMENT"))
        .await
        .assert_ok()
        .assert_contains(&format!("INVENTAIRE-{id}"));
    app.assert_invariants().await;
    // Another merchant's manager sees no such count.
    let autre = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    assert_eq!(autre.get(&session).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_sends_a_transfer_and_the_other_shop_receives_it_with_a_missing_unit() {
    let app = TestApp::spawn().await;
    let from = shop_id(&app, "BTQ-009").await;
    let to: i64 = sqlx::query_scalar(
        "INSERT INTO boutiques (commercant_id, nom, code_boutique, est_depot)
         SELECT commercant_id, 'Dépôt Limete', 'DEP-001', TRUE FROM boutiques WHERE id = $1
         RETURNING id",
    )
    .bind(from)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let charger = app.article("BTQ-009", "CHG-001").await;
    let browser = Browser::logged_in(&app, MA, MA_PASSWORD).await;

    let form = browser
        .get(&format!("/backoffice/boutiques/{from}/transferts"))
        .await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("Dépôt Limete (dépôt)"), "{}", form.text);
    // Another merchant's shop is not offered, and refused if sent anyway.
    let foreign = shop_id(&app, "BTQ-010").await;
    let refused = browser
        .post(
            &format!("/backoffice/boutiques/{from}/transferts"),
            &[
                ("boutique_destination_id", &foreign.to_string()),
                ("article_id", &charger.id.to_string()),
                ("quantite", "3"),
            ],
        )
        .await;
    assert!(
        refused
            .text
            .contains("Choisissez une autre boutique active du même commerçant")
    );
    assert_eq!(count(&app, "SELECT count(*) FROM transferts").await, 0);

    let sent = browser
        .post(
            &format!("/backoffice/boutiques/{from}/transferts"),
            &[
                ("boutique_destination_id", &to.to_string()),
                ("article_id", &charger.id.to_string()),
                ("quantite", "3"),
                ("article_id", ""),
                ("quantite", ""),
                ("commentaire", "Réassort"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.text);
    assert_eq!(app.stock(charger.id).await, charger.stock - 3);
    let (id, line): (i64, i64) = sqlx::query_as("SELECT transfert_id, id FROM lignes_transfert")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let incoming = browser
        .get(&format!("/backoffice/boutiques/{to}/transferts"))
        .await;
    assert!(incoming.text.contains("En transit"), "{}", incoming.text);
    let received = browser
        .post(
            &format!("/backoffice/boutiques/{to}/transferts/{id}/recevoir"),
            &[("ligne_id", &line.to_string()), ("quantite_recue", "2")],
        )
        .await;
    assert_eq!(received.status, 303, "{}", received.text);
    let shown = browser
        .get(&format!("/backoffice/boutiques/{to}/transferts"))
        .await;
    assert!(shown.text.contains("Reçu avec écart"), "{}", shown.text);
    assert!(
        shown.text.contains("1 unité(s) manquante(s)"),
        "{}",
        shown.text
    );
    let stock: i32 = sqlx::query_scalar(
        "SELECT quantite_stock FROM articles WHERE boutique_id = $1 AND code = 'CHG-001'",
    )
    .bind(to)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stock, 2);
    // Nothing left in transit: a second receipt or a refusal changes nothing.
    let again = browser
        .post(
            &format!("/backoffice/boutiques/{to}/transferts/{id}/refuser"),
            &[],
        )
        .await;
    assert!(
        again.text.contains("n'a plus rien en transit"),
        "{}",
        again.text
    );
    assert_eq!(app.stock(charger.id).await, charger.stock - 3);
    app.assert_invariants().await;
}

/// The boutique dashboard: revenue net of returns, and its charts.
mod dashboard;
mod sessions;
