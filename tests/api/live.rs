//! The live push (API-D1.md §6) over real sockets: who may open which socket, what reaches
//! it (on every server instance, on commit only, never another shop's), and how the hub and
//! the sockets behave when something is slow, silent or gone. Every wait is bounded.

use crate::common::*;
use caisse::config::Config;
use caisse::events::hub::LISTENER_NAME;
use caisse::events::{self, Channel, CreatedArticle, Event};
use caisse::http::server::Application;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest any single wait of these tests.
const WAIT: Duration = Duration::from_secs(10);

/// The two demo shops: "Ma Boutique" (Kinshasa, UTC+1), "Autre Boutique" (Lubumbashi, UTC+2).
async fn shops(pool: &PgPool) -> (i64, i64) {
    let id = |code: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM boutiques WHERE code_boutique = $1")
            .bind(code)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    (id("BTQ-009").await, id("BTQ-010").await)
}

/// A second active till of "Ma Boutique".
const SECOND_SERIAL: &str = "TERM-A-002";

async fn add_second_till(pool: &PgPool, boutique_id: i64) {
    sqlx::query(
        "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
         VALUES ($1, $2, 'Caisse 2', $3, false)",
    )
    .bind(boutique_id)
    .bind(SECOND_SERIAL)
    .bind(caisse::secret::hash_key("cle-term-a-002"))
    .execute(pool)
    .await
    .unwrap();
}

fn test_config(adjust: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::from_lookup(|name| match name {
        "CAISSE_ADDR" => Some("127.0.0.1:0".into()),
        "CAISSE_DB_POOL_SIZE" => Some("4".into()),
        _ => None,
    })
    .unwrap();
    adjust(&mut config);
    config
}

/// Another server instance on the database of `app`, stopped when `shutdown` resolves; its
/// address (`host:port`) and the task serving it.
async fn instance_beside(
    app: &TestApp,
    adjust: impl FnOnce(&mut Config),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let config = test_config(adjust);
    let pool = caisse::db::connect_with(
        (*app.pool.connect_options()).clone(),
        config.pool_size,
        config.acquire_timeout,
    )
    .await
    .unwrap();
    let server = Application::bind(&config, pool).await.unwrap();
    let address = server.local_addr().unwrap().to_string();
    (address, tokio::spawn(server.serve(shutdown)))
}

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// A WebSocket handshake to `path` with `headers`: the socket, or the refusal's status and
/// body.
async fn open(host: &str, path: &str, headers: &[(&str, &str)]) -> Result<Socket, (u16, String)> {
    let mut request = format!("ws://{host}{path}").into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let connecting = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(WAIT, connecting)
        .await
        .expect("the handshake is answered in time")
    {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err((response.status().as_u16(), body))
        }
        Err(other) => panic!("handshake to {path} failed: {other}"),
    }
}

/// The refusal of a WebSocket handshake: its status and body.
async fn refusal(host: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    match open(host, path, headers).await {
        Ok(_) => panic!("{path} opened with {headers:?}"),
        Err(refused) => refused,
    }
}

/// The till `serial`'s socket at `path`, past its `connection_established`.
async fn till(host: &str, path: &str, serial: &str) -> (Socket, Value) {
    // Browsers offer compressed answers on the handshake too: the upgrade is not compressed.
    let headers = [
        ("X-Device-Serial", serial),
        ("Accept-Encoding", "gzip, deflate, br"),
    ];
    let mut socket = open(host, path, &headers)
        .await
        .unwrap_or_else(|(status, body)| panic!("{serial} refused on {path}: {status} {body}"));
    let hello = next(&mut socket).await;
    assert_eq!(hello["type"], "connection_established", "{hello}");
    (socket, hello)
}

/// The next JSON text frame.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a readable frame");
        match frame {
            Frame::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Frame::Ping(_) | Frame::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The close frame the server ends the socket with (`None`: it just dropped it).
async fn closing(socket: &mut Socket) -> Option<CloseFrame> {
    loop {
        match tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("the socket closes in time")
        {
            Some(Ok(Frame::Close(frame))) => return frame,
            Some(Ok(Frame::Text(text))) => panic!("expected the end, got {text}"),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return None,
        }
    }
}

/// Publishes `event` in a transaction of the test's own pool, committed.
async fn publish(pool: &PgPool, boutique_id: i64, channel: Channel, event: Event) {
    let mut tx = pool.begin().await.unwrap();
    events::publish(&mut tx, boutique_id, channel, &event)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn stock(article_id: i64, new_stock: i64) -> Event {
    Event::StockUpdated {
        article_id,
        new_stock,
    }
}

#[tokio::test]
async fn events_reach_every_till_of_their_shop_on_every_instance_on_commit_only() {
    let app = TestApp::spawn().await;
    let (second, _) = instance_beside(&app, |_| {}, std::future::pending()).await;
    let (a, b) = shops(&app.pool).await;
    add_second_till(&app.pool, a).await;

    // The two tills of shop A on different instances, the till of shop B on the first.
    let (mut a1, hello) = till(&host(&app), &format!("/ws/boutique/{a}/"), DEMO_SERIAL).await;
    assert_eq!(hello["boutique_id"], a.to_string());
    assert!(hello["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(
        hello["timestamp"].as_str().unwrap().ends_with("+01:00"),
        "{hello}"
    );
    let (mut a2, _) = till(&second, &format!("/ws/boutique/{a}"), SECOND_SERIAL).await;
    let (mut b1, hello) = till(&host(&app), &format!("/ws/boutique/{b}/"), OTHER_SERIAL).await;
    assert_eq!(hello["boutique_id"], b.to_string());
    assert!(
        hello["timestamp"].as_str().unwrap().ends_with("+02:00"),
        "{hello}"
    );
    let (mut a2_notifications, hello) =
        till(&second, &format!("/ws/notifications/{a}/"), SECOND_SERIAL).await;
    assert_eq!(hello["boutique_id"], a.to_string());

    // Rolled back: never delivered.
    let mut tx = app.pool.begin().await.unwrap();
    events::publish(&mut tx, a, Channel::Boutique, &stock(1, -999))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    // Committed: delivered to both tills of A, whichever instance holds them.
    let article = app.article("BTQ-009", "CAB-001").await;
    publish(&app.pool, a, Channel::Boutique, stock(article.id, 41)).await;
    for socket in [&mut a1, &mut a2] {
        let event = next(socket).await;
        let timestamp = event["timestamp"].as_str().unwrap().to_owned();
        assert!(timestamp.ends_with("+01:00"), "{event}");
        assert_eq!(
            event,
            json!({"type": "stock_updated", "article_id": article.id, "new_stock": 41,
                   "timestamp": timestamp})
        );
    }

    // A notification reaches the notifications socket only.
    publish(
        &app.pool,
        a,
        Channel::Notifications,
        Event::VenteRejected {
            vente_uid: "FAC-42".into(),
            raison: "INSUFFICIENT_STOCK".into(),
        },
    )
    .await;
    let event = next(&mut a2_notifications).await;
    assert_eq!(
        (&event["type"], &event["vente_uid"], &event["raison"]),
        (
            &json!("vente_rejected"),
            &json!("FAC-42"),
            &json!("INSUFFICIENT_STOCK")
        )
    );

    // Events are relayed in commit order: each socket's next frame is the first event meant
    // for it after those above, so nothing else reached it in between.
    publish(&app.pool, b, Channel::Boutique, stock(7, 3)).await;
    publish(&app.pool, a, Channel::Boutique, stock(article.id, 40)).await;
    let event = next(&mut b1).await;
    assert_eq!(
        (&event["article_id"], &event["new_stock"]),
        (&json!(7), &json!(3))
    );
    assert!(
        event["timestamp"].as_str().unwrap().ends_with("+02:00"),
        "{event}"
    );
    for socket in [&mut a1, &mut a2] {
        assert_eq!(next(socket).await["new_stock"], 40);
    }
    publish(&app.pool, a, Channel::Notifications, stock_alert()).await;
    assert_eq!(next(&mut a2_notifications).await["type"], "stock_alert");
}

fn stock_alert() -> Event {
    Event::StockAlert {
        article_id: 1,
        article_nom: "Câble".into(),
        stock_actuel: 2,
        seuil_alerte: 5,
    }
}

/// What the server itself publishes: a sale made through one instance, a refused sale, a
/// price change and a delivery reach the tills of the shop on both instances, and nothing of
/// it reaches another shop's till.
#[tokio::test]
async fn sales_refusals_and_catalogue_changes_reach_the_shops_tills_on_every_instance() {
    let app = TestApp::spawn().await;
    let (second, _) = instance_beside(&app, |_| {}, std::future::pending()).await;
    let (a, b) = shops(&app.pool).await;
    add_second_till(&app.pool, a).await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let (mut a1, _) = till(&host(&app), &format!("/ws/boutique/{a}/"), DEMO_SERIAL).await;
    let (mut a2, _) = till(&second, &format!("/ws/boutique/{a}/"), SECOND_SERIAL).await;
    let (mut a2_notifications, _) =
        till(&second, &format!("/ws/notifications/{a}/"), SECOND_SERIAL).await;
    let (mut b1, _) = till(&host(&app), &format!("/ws/boutique/{b}/"), OTHER_SERIAL).await;

    // An online sale through the second instance.
    let sold = reqwest::Client::new()
        .post(format!("http://{second}/api/v2/simple/ventes/"))
        .header("X-Device-Serial", DEMO_SERIAL)
        .json(&json!({"numero_facture": "LIVE-1", "mode_paiement": "CASH",
                      "lignes": [{"article_id": cable.id, "quantite": 2, "prix_unitaire": 5000}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(sold.status(), 201);
    for socket in [&mut a1, &mut a2] {
        let event = next(socket).await;
        assert_eq!(
            (&event["type"], &event["article_id"], &event["new_stock"]),
            (
                &json!("stock_updated"),
                &json!(cable.id),
                &json!(cable.stock - 2)
            ),
            "{event}"
        );
    }

    // A sale refused for stock, synced through the first: its till's shop hears why.
    let refused = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("LIVE-2", &[(cable.id, 1_000_000, 5000.0)])]),
        )
        .await;
    assert_eq!(refused.status, 201, "{:#}", refused.body);
    // (The shop's figures may come first, within the second of the sale.)
    let mut event = next(&mut a2_notifications).await;
    while event["type"] == "dashboard_stats_updated" {
        event = next(&mut a2_notifications).await;
    }
    assert_eq!(
        (&event["type"], &event["vente_uid"], &event["raison"]),
        (
            &json!("vente_rejected"),
            &json!("LIVE-2"),
            &json!("INSUFFICIENT_STOCK")
        ),
        "{event}"
    );

    // A manager changes the price, then receives goods.
    let token = app.admin_token().await;
    let path = format!("/api/admin/boutiques/{a}/articles/{}", cable.id);
    let changed = app
        .admin(
            reqwest::Method::PATCH,
            &path,
            &token,
            Some(&json!({"prix_vente": "5500.00"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    for socket in [&mut a1, &mut a2] {
        let updated = next(socket).await;
        assert_eq!(updated["type"], "article_updated", "{updated}");
        assert_eq!(updated["article"]["id"], cable.id);
        assert_eq!(updated["article"]["prix_vente"], "5500.00");
        assert_eq!(updated["article"]["quantite_stock"], cable.stock - 2);
        let price = next(socket).await;
        assert_eq!(
            (&price["type"], &price["new_price"], &price["devise"]),
            (&json!("price_updated"), &json!("5500.00"), &json!("CDF")),
            "{price}"
        );
    }
    let received = app
        .admin(
            reqwest::Method::POST,
            &format!("/api/admin/boutiques/{a}/entrees"),
            &token,
            Some(&json!({"reference_document": "BL-LIVE",
                         "lignes": [{"article_id": cable.id, "quantite": 10}]})),
        )
        .await;
    assert_eq!(received.status, 201, "{:#}", received.body);
    for socket in [&mut a1, &mut a2] {
        let event = next(socket).await;
        assert_eq!(
            (&event["type"], &event["new_stock"]),
            (&json!("stock_updated"), &json!(cable.stock + 8)),
            "{event}"
        );
    }

    // The other shop's till heard none of it: its next frame is the first meant for it.
    publish(&app.pool, b, Channel::Boutique, stock(7, 3)).await;
    let event = next(&mut b1).await;
    assert_eq!(
        (&event["article_id"], &event["new_stock"]),
        (&json!(7), &json!(3))
    );
}

/// The shop's figures reach its notifications sockets within the second of a sale or a
/// cancellation: paid sales not cancelled, per currency.
#[tokio::test]
async fn the_shops_figures_follow_its_sales_cancellations_and_returns() {
    let app = TestApp::spawn().await;
    let (a, _) = shops(&app.pool).await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let (mut notifications, _) =
        till(&host(&app), &format!("/ws/notifications/{a}/"), DEMO_SERIAL).await;
    let mut unpaid = sale("F-3", &[(cable.id, 1, 5000.0)]);
    unpaid["paye"] = json!(false);
    app.sync(
        DEMO_SERIAL,
        &json!([
            sale("F-1", &[(cable.id, 2, 5000.0)]),
            sale("F-2", &[(cable.id, 1, 5000.0)]),
            unpaid
        ]),
    )
    .await;
    let figures = |event: Value| {
        assert_eq!(event["type"], "dashboard_stats_updated", "{event}");
        event["stats"].clone()
    };
    let first = figures(next(&mut notifications).await);
    assert_eq!(
        first,
        json!({"ca_jour": 15000.0, "ca_jour_usd": 0.0, "ca_mois": 15000.0, "ca_mois_usd": 0.0,
               "nb_ventes_jour": 2, "nb_ventes_mois": 2})
    );
    app.post(
        "/api/v2/simple/ventes/annuler/",
        Some(DEMO_SERIAL),
        &json!({"numero_facture": "F-2"}),
    )
    .await;
    let after = figures(next(&mut notifications).await);
    assert_eq!(
        (after["ca_jour"].clone(), after["nb_ventes_jour"].clone()),
        (json!(10000.0), json!(1))
    );
    // A return takes what it gave back off the figures, pushed as well.
    let back = app
        .post(
            "/api/v2/simple/ventes/retour/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "F-1", "lignes": [{"article_id": cable.id, "quantite": 1}]}),
        )
        .await;
    assert_eq!(back.status, 200, "{:#}", back.body);
    let returned = figures(next(&mut notifications).await);
    assert_eq!(
        (
            returned["ca_jour"].clone(),
            returned["ca_mois"].clone(),
            returned["nb_ventes_jour"].clone()
        ),
        (json!(5000.0), json!(5000.0), json!(1))
    );
}

/// A till whose socket closed (a dropped link) and that comes back is told to reload when
/// events for its shop went by meanwhile, and only then.
#[tokio::test]
async fn a_till_back_after_events_went_by_is_told_to_reload() {
    let app = TestApp::spawn().await;
    let (a, b) = shops(&app.pool).await;
    let path = format!("/ws/boutique/{a}/");
    let (mut first, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    publish(&app.pool, a, Channel::Boutique, stock(1, 10)).await;
    assert_eq!(next(&mut first).await["new_stock"], 10);
    first.close(None).await.unwrap();
    // The server sees the socket go.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Away, nothing of its shop went by (another shop's event does not count): no reload.
    publish(&app.pool, b, Channel::Boutique, stock(7, 1)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut second, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    publish(&app.pool, a, Channel::Boutique, stock(1, 9)).await;
    assert_eq!(next(&mut second).await["new_stock"], 9);
    second.close(None).await.unwrap();
    // The server sees the socket go.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Away while its shop's stock moved: told to reload first thing.
    publish(&app.pool, a, Channel::Boutique, stock(1, 8)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut third, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    let reload = next(&mut third).await;
    assert_eq!(
        (&reload["type"], &reload["reason"]),
        (&json!("sync_required"), &json!("missed_while_away")),
        "{reload}"
    );
}

#[tokio::test]
async fn a_till_pings_and_nothing_else_it_sends_is_acted_on() {
    let app = TestApp::spawn().await;
    let (a, b) = shops(&app.pool).await;
    let (mut socket, _) = till(&host(&app), &format!("/ws/notifications/{a}"), DEMO_SERIAL).await;

    socket
        .send(Frame::text(r#"{"type": "ping"}"#))
        .await
        .unwrap();
    let pong = next(&mut socket).await;
    assert_eq!(pong["type"], "pong");
    assert!(
        pong["timestamp"].as_str().unwrap().ends_with("+01:00"),
        "{pong}"
    );
    assert_eq!(pong.as_object().unwrap().len(), 2, "{pong}");

    // Asking for another shop's events, or anything else, changes nothing.
    for asked in [
        json!({"type": "subscribe", "boutique_id": b}).to_string(),
        "pas du JSON".to_owned(),
    ] {
        socket.send(Frame::text(asked)).await.unwrap();
    }
    socket.send(Frame::binary(vec![1, 2, 3])).await.unwrap();
    publish(&app.pool, b, Channel::Notifications, stock_alert()).await;
    socket
        .send(Frame::text(r#"{"type":"ping"}"#))
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await["type"], "pong");

    // A WebSocket-level ping is answered too.
    socket
        .send(Frame::Ping(b"la".to_vec().into()))
        .await
        .unwrap();
    let answer = tokio::time::timeout(WAIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(answer, Frame::Pong(b"la".to_vec().into()));

    // A frame over 4 KiB closes the socket.
    socket
        .send(Frame::text("x".repeat(5 * 1024)))
        .await
        .unwrap();
    let frame = closing(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1009);
}

#[tokio::test]
async fn a_till_is_refused_before_any_upgrade_unless_it_names_its_own_shop() {
    let app = TestApp::spawn().await;
    let host = host(&app);
    let (a, b) = shops(&app.pool).await;
    let refused = |status: u16, code: &'static str| {
        move |(got, body): (u16, String)| {
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
            assert_eq!(body["success"], false);
            assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
        }
    };
    for path in [
        format!("/ws/boutique/{b}/"),
        format!("/ws/notifications/{b}"),
    ] {
        refused(403, "BOUTIQUE_MISMATCH")(
            refusal(&host, &path, &[("X-Device-Serial", DEMO_SERIAL)]).await,
        );
    }
    for (headers, status, code) in [
        (
            vec![("X-Device-Serial", "INCONNU-1")],
            404,
            "TERMINAL_NOT_FOUND",
        ),
        (
            vec![("X-Device-Serial", INACTIVE_SERIAL)],
            404,
            "TERMINAL_NOT_FOUND",
        ),
        (vec![], 400, "MISSING_SERIAL"),
        (
            vec![
                ("X-Device-Serial", DEMO_SERIAL),
                ("Authorization", "Bearer pas-la-bonne-cle"),
            ],
            401,
            "INVALID_API_KEY",
        ),
    ] {
        refused(status, code)(refusal(&host, &format!("/ws/boutique/{a}/"), &headers).await);
    }
    refused(403, "BOUTIQUE_MISMATCH")(
        refusal(
            &host,
            "/ws/boutique/abc/",
            &[("Device-Serial", DEMO_SERIAL)],
        )
        .await,
    );
    // The old serial header, and a till's own key, open it.
    let mut socket = open(
        &host,
        &format!("/ws/boutique/{a}/"),
        &[
            ("Serial-Number", DEMO_SERIAL),
            ("X-Api-Key", "demo-cle-0a1badae951f8473"),
        ],
    )
    .await
    .expect("opened");
    assert_eq!(next(&mut socket).await["type"], "connection_established");

    // As plain HTTP requests, checked against the OpenAPI document: the same refusals, and
    // an answer for a request that is no upgrade.
    app.get(&format!("/ws/boutique/{b}/"), Some(DEMO_SERIAL))
        .await
        .assert_error(403, "BOUTIQUE_MISMATCH");
    app.get(&format!("/ws/notifications/{a}"), Some("INCONNU-1"))
        .await
        .assert_error(404, "TERMINAL_NOT_FOUND");
    let reply = app
        .get(&format!("/ws/boutique/{a}/"), Some(DEMO_SERIAL))
        .await;
    reply.assert_error(426, "UPGRADE_REQUIRED");

    // An inactive shop.
    sqlx::query("UPDATE boutiques SET est_active = false WHERE id = $1")
        .bind(b)
        .execute(&app.pool)
        .await
        .unwrap();
    refused(403, "BOUTIQUE_INACTIVE")(
        refusal(
            &host,
            &format!("/ws/boutique/{b}/"),
            &[("X-Device-Serial", OTHER_SERIAL)],
        )
        .await,
    );
}

#[tokio::test]
async fn with_keys_required_a_till_without_its_key_is_refused() {
    let app = TestApp::spawn_with(|c| c.require_terminal_key = true).await;
    let (a, _) = shops(&app.pool).await;
    let path = format!("/ws/notifications/{a}/");
    let (status, body) = refusal(&host(&app), &path, &[("X-Device-Serial", DEMO_SERIAL)]).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "MISSING_API_KEY"
    );
    let mut socket = open(
        &host(&app),
        &path,
        &[
            ("X-Device-Serial", DEMO_SERIAL),
            ("Authorization", "Bearer demo-cle-0a1badae951f8473"),
        ],
    )
    .await
    .expect("opened");
    assert_eq!(next(&mut socket).await["type"], "connection_established");
}

#[tokio::test]
async fn a_till_holds_four_sockets_at_most_and_its_oldest_gives_way() {
    let app = TestApp::spawn().await;
    let (a, _) = shops(&app.pool).await;
    let path = format!("/ws/boutique/{a}/");
    let mut sockets = Vec::new();
    for _ in 0..4 {
        sockets.push(till(&host(&app), &path, DEMO_SERIAL).await.0);
    }
    let (mut fifth, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    let frame = closing(&mut sockets[0]).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1008);
    publish(&app.pool, a, Channel::Boutique, stock(1, 1)).await;
    for socket in sockets.iter_mut().skip(1).chain([&mut fifth]) {
        assert_eq!(next(socket).await["type"], "stock_updated");
    }
    // Another till's sockets are not its own.
    let (mut other, _) = till(&host(&app), &format!("/ws/notifications/{a}"), DEMO_SERIAL).await;
    let frame = closing(&mut sockets[1]).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1008);
    other.send(Frame::text(r#"{"type":"ping"}"#)).await.unwrap();
    assert_eq!(next(&mut other).await["type"], "pong");
}

#[tokio::test]
async fn a_listener_that_reconnects_tells_its_sockets_to_resync() {
    let app = TestApp::spawn().await;
    let (a, _) = shops(&app.pool).await;
    let (mut boutique, _) = till(&host(&app), &format!("/ws/boutique/{a}/"), DEMO_SERIAL).await;
    let (mut notifications, _) =
        till(&host(&app), &format!("/ws/notifications/{a}/"), DEMO_SERIAL).await;

    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()) AS killed",
    )
    .bind(LISTENER_NAME)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        killed, 1,
        "the instance listens on one connection of its own"
    );

    for socket in [&mut boutique, &mut notifications] {
        let event = next(socket).await;
        assert_eq!(
            (&event["type"], &event["reason"]),
            (&json!("sync_required"), &json!("listener_reconnected"))
        );
    }
    // And it listens again.
    publish(&app.pool, a, Channel::Boutique, stock(1, 5)).await;
    assert_eq!(next(&mut boutique).await["new_stock"], 5);
}

/// An article whose frame weighs about 1.5 KB.
fn bulky_article(n: i64) -> Event {
    Event::ArticleCreated {
        article: CreatedArticle {
            fields: caisse::events::ArticleFields {
                id: n,
                code: format!("ART-{n}"),
                nom: format!("Article {n} {}", "x".repeat(1400)),
                prix_vente: caisse::money::Money::ZERO,
                prix_vente_usd: None,
                devise: "CDF".into(),
                quantite_stock: 0,
                est_actif: true,
                categorie_id: None,
                categorie_nom: None,
            },
            date_creation: chrono::Utc::now().into(),
        },
    }
}

#[tokio::test]
async fn a_socket_that_does_not_read_gets_sync_required_and_slows_no_one() {
    let app = TestApp::spawn_with(|c| c.ws_queue = 4).await;
    let (a, _) = shops(&app.pool).await;
    let path = format!("/ws/boutique/{a}/");

    // A till that reads nothing, with a small receive buffer so that the server soon cannot
    // write to it.
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let stream = tcp.connect(host(&app).parse().unwrap()).await.unwrap();
    let mut request = format!("ws://{}{path}", host(&app))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("X-Device-Serial", DEMO_SERIAL.parse().unwrap());
    let (mut slow, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)),
    )
    .await
    .unwrap()
    .unwrap();
    // A till that reads everything.
    let (mut reader, _) = till(&host(&app), &path, DEMO_SERIAL).await;

    const BURST: i64 = 1_000;
    let started = Instant::now();
    let mut tx = app.pool.begin().await.unwrap();
    for n in 1..=BURST {
        events::publish(&mut tx, a, Channel::Boutique, &bulky_article(n))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    // The publisher never waits for a socket: a sale's transaction after the burst commits
    // at once.
    let sale = app
        .sync(
            DEMO_SERIAL,
            &json!([sale(
                "LIVE-1",
                &[(app.article("BTQ-009", "CAB-001").await.id, 1, 5000.0)]
            )]),
        )
        .await;
    assert_eq!(sale.status, 201, "{:#}", sale.body);
    assert!(started.elapsed() < WAIT, "took {:?}", started.elapsed());
    publish(&app.pool, a, Channel::Boutique, stock(999, 1)).await;

    // The reading till gets to the last event (and may have been told to resync on the way,
    // and heard of the sale).
    loop {
        let event = next(&mut reader).await;
        if event["type"] == "stock_updated" && event["article_id"] == 999 {
            break;
        }
    }

    // The slow till, once it reads, finds its queue replaced by sync_required.
    let mut events = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(2), slow.next()).await
    {
        if let Frame::Text(text) = frame {
            events.push(serde_json::from_str::<Value>(text.as_str()).unwrap());
        }
    }
    assert_eq!(events[0]["type"], "connection_established");
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "sync_required" && e["reason"] == "queue_overflow"),
        "no sync_required among {} frames",
        events.len()
    );
    assert!(
        events.len() < BURST as usize,
        "{} frames: nothing was dropped",
        events.len()
    );
}

#[tokio::test]
async fn a_silent_socket_is_closed_and_a_pinging_one_is_not() {
    let app = TestApp::spawn_with(|c| c.ws_idle_timeout = Duration::from_secs(1)).await;
    let (a, _) = shops(&app.pool).await;
    let path = format!("/ws/boutique/{a}/");
    let (mut silent, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    let (mut pinging, _) = till(&host(&app), &path, DEMO_SERIAL).await;
    let started = Instant::now();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        pinging
            .send(Frame::text(r#"{"type": "ping"}"#))
            .await
            .unwrap();
        assert_eq!(next(&mut pinging).await["type"], "pong");
    }
    assert!(started.elapsed() > Duration::from_secs(2));
    let frame = closing(&mut silent).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1000);
}

#[tokio::test]
async fn a_back_office_session_watches_the_notifications_of_its_shops() {
    let app = TestApp::spawn().await;
    let (a, b) = shops(&app.pool).await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM utilisateurs WHERE email = $1")
        .bind("gerant@ma-boutique.example")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let token = "jeton-de-session-du-test";
    caisse::accounts::open_session(
        &app.pool,
        user,
        "gerant@ma-boutique.example",
        &caisse::secret::hash_key(token),
    )
    .await
    .unwrap();
    let cookie = format!("caisse_session={token}");
    let host = host(&app);

    let mut socket = open(
        &host,
        &format!("/ws/notifications/{a}/"),
        &[("Cookie", &cookie)],
    )
    .await
    .expect("opened");
    let hello = next(&mut socket).await;
    assert_eq!(
        (&hello["type"], &hello["boutique_id"]),
        (&json!("connection_established"), &json!(a.to_string()))
    );
    publish(&app.pool, a, Channel::Notifications, stock_alert()).await;
    assert_eq!(next(&mut socket).await["type"], "stock_alert");

    // Another merchant's shop is not found, as on the pages; a page of another site is
    // refused; the tills' path is the tills'.
    let (status, _) = refusal(
        &host,
        &format!("/ws/notifications/{b}/"),
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = refusal(
        &host,
        &format!("/ws/notifications/{a}/"),
        &[("Cookie", &cookie), ("Origin", "https://ailleurs.example")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) =
        refusal(&host, &format!("/ws/boutique/{a}/"), &[("Cookie", &cookie)]).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn stopping_the_server_closes_its_sockets() {
    let app = TestApp::spawn().await;
    let (a, _) = shops(&app.pool).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address, serving) =
        instance_beside(&app, |c| c.shutdown_grace = Duration::from_secs(5), async {
            let _ = stopped.await;
        })
        .await;
    let (mut socket, _) = till(&address, &format!("/ws/boutique/{a}/"), DEMO_SERIAL).await;
    stop.send(()).unwrap();
    let frame = closing(&mut socket).await.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1001);
    tokio::time::timeout(WAIT, serving)
        .await
        .expect("the server stops in time")
        .unwrap()
        .unwrap();
    // Its listener is gone with it; the other instance's stays.
    let deadline = Instant::now() + WAIT;
    loop {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = $1 AND datname = current_database()",
        )
        .bind(LISTENER_NAME)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if listening == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{listening} listeners still connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
