//! Every store can be opened, used and dropped wherever a user's code runs (issue
//! 20, docs/decisions.md D28): inside a multi-thread and a current-thread tokio
//! runtime (through `AsyncLedger`), inside `spawn_blocking` and on a plain thread
//! with no runtime (through `Ledger`), with no panic. And a running skill-events
//! router over each store shuts down and is dropped inside its runtime cleanly.
//!
//! Each context is a test per store (`<store>::<context>`), on the store's own
//! database or file, so that a panic names the store and the context at once.

use crate::skill_events_support::{
    ChainServer, EVENT, Pki, SIGNING_KEY_1, USER, headers, http_client, options, sign,
    subscription_body,
};
use crate::subscriptions_support::pg::TestDatabase;
use crate::subscriptions_support::{NA, SKILL, notice};
use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::skill_events::{ServeOptions, Verifier, router, serve};
use alexa_proactive_events::subscriptions::{
    AsyncLedger, Ledger, MemoryLedger, PostgresLedger, SqliteLedger,
};
use std::sync::Arc;

const W: &str = "AMAZON.WeatherAlert.Activated";

/// Where a store lives: nothing (memory), a file, or a database.
enum Place {
    Memory,
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Place {
    fn new(kind: &str) -> Self {
        match kind {
            "memory" => Place::Memory,
            "sqlite" => Place::Sqlite(tempfile::tempdir().expect("temp dir")),
            _ => Place::Postgres(TestDatabase::create()),
        }
    }

    /// Opens the store as blocking code does.
    fn open(&self) -> Arc<dyn Both> {
        match self {
            Place::Memory => Arc::new(MemoryLedger::new()),
            Place::Sqlite(dir) => {
                Arc::new(SqliteLedger::open(dir.path().join("subs.db")).expect("opens"))
            }
            Place::Postgres(db) => Arc::new(PostgresLedger::connect(db.url()).expect("connects")),
        }
    }

    /// Opens the store as async code does: nothing blocks a runtime thread.
    async fn open_async(&self) -> Arc<dyn AsyncLedger> {
        match self {
            Place::Memory => Arc::new(MemoryLedger::new()),
            Place::Sqlite(dir) => {
                let path = dir.path().join("subs.db");
                let ledger = tokio::task::spawn_blocking(move || SqliteLedger::open(path))
                    .await
                    .expect("joins")
                    .expect("opens");
                Arc::new(ledger)
            }
            Place::Postgres(db) => Arc::new(
                PostgresLedger::connect_async(db.url())
                    .await
                    .expect("connects"),
            ),
        }
    }
}

trait Both: Ledger + AsyncLedger {}
impl<T: Ledger + AsyncLedger> Both for T {}

/// Open, apply, read and drop through `AsyncLedger`, inside the runtime.
async fn use_async(place: &Place) {
    let ledger = place.open_async().await;
    let change = ledger
        .clone()
        .apply_async(notice(SKILL, "u1", NA, "r1", 10, &[W]))
        .await
        .expect("applies");
    assert_eq!(change.subscribed, [W]);
    let record = ledger
        .clone()
        .user_async(SKILL.to_owned(), "u1".to_owned())
        .await
        .expect("reads")
        .expect("stored");
    assert!(record.events.contains(W));
    let count = ledger
        .clone()
        .count_subscribers_async(Some(SKILL.to_owned()), W.to_owned(), None)
        .await
        .expect("counts");
    assert_eq!(count, 1);
    ledger.clone().probe_async().await.expect("answers");
    drop(ledger);
}

/// Open, apply, read and drop through `Ledger`, blocking this thread.
fn use_blocking(place: &Place) {
    let ledger = place.open();
    let change = ledger
        .apply(&notice(SKILL, "u1", NA, "r1", 10, &[W]))
        .expect("applies");
    assert_eq!(change.subscribed, [W]);
    assert!(
        ledger
            .user(SKILL, "u1")
            .expect("reads")
            .expect("stored")
            .events
            .contains(W)
    );
    assert_eq!(
        ledger
            .count_subscribers(Some(SKILL), W, None)
            .expect("counts"),
        1
    );
    drop(ledger);
}

fn in_multi_thread_runtime(kind: &str) {
    let place = Place::new(kind);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(use_async(&place));
}

fn in_current_thread_runtime(kind: &str) {
    let place = Place::new(kind);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(use_async(&place));
}

fn in_spawn_blocking(kind: &str) {
    let place = Arc::new(Place::new(kind));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let inside = place.clone();
    runtime.block_on(async move {
        tokio::task::spawn_blocking(move || use_blocking(&inside))
            .await
            .expect("no panic in spawn_blocking");
    });
}

fn on_a_plain_thread(kind: &str) {
    let place = Arc::new(Place::new(kind));
    let inside = place.clone();
    std::thread::spawn(move || use_blocking(&inside))
        .join()
        .expect("no panic on a plain thread");
}

/// A router over the store serves a notice and its health check, shuts down
/// gracefully, and is dropped (with the store) inside the runtime.
fn a_running_router_shuts_down_and_drops_inside_the_runtime(kind: &str) {
    let place = Place::new(kind);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let pki = Pki::new();
        let chain = ChainServer::for_pki(&pki).await;
        let ledger = place.open_async().await;
        let app = router(
            Verifier::new(options(&pki, &chain)).expect("verifier"),
            ledger,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, ServeOptions::default(), async {
            let _ = stopped.await;
        }));
        let http = http_client();
        let body = subscription_body(SKILL_ID, USER, &[EVENT], Timestamp::now(), "req-1");
        let mut request = http.post(format!("{url}/")).body(body.clone());
        for (k, v) in headers(&chain.url("good.pem"), &sign(&body, SIGNING_KEY_1)) {
            request = request.header(k, v);
        }
        assert_eq!(request.send().await.expect("POST").status().as_u16(), 200);
        let health = http
            .get(format!("{url}/healthz"))
            .send()
            .await
            .expect("GET");
        assert_eq!(health.status().as_u16(), 200);
        stop.send(()).expect("stops");
        server
            .await
            .expect("the server task did not panic")
            .expect("served");
        chain.stop().await;
    });
    drop(runtime);
}

/// `skill_events_support::SKILL`: the skill the test verifier accepts.
const SKILL_ID: &str = crate::skill_events_support::SKILL;

macro_rules! contexts {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $( #[test] fn $test() { super::$test("memory") } )*
        }
        mod sqlite {
            $( #[test] fn $test() { super::$test("sqlite") } )*
        }
        mod postgres {
            $(
                #[test]
                #[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
                fn $test() { super::$test("postgres") }
            )*
        }
    };
}

contexts!(
    in_multi_thread_runtime,
    in_current_thread_runtime,
    in_spawn_blocking,
    on_a_plain_thread,
    a_running_router_shuts_down_and_drops_inside_the_runtime,
);
