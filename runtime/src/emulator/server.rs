//! The accept loop: hyper directly (not `axum::serve`) so that a handler can
//! close its connection without answering, as a fault.

use axum::Router;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// Given to handlers (as a request extension): closes the connection.
#[derive(Debug, Clone)]
pub(crate) struct DropConnection(Arc<Notify>);

impl DropConnection {
    /// Closes the connection; never returns (the handler is dropped with it).
    pub(crate) async fn now(self) -> Response {
        self.0.notify_one();
        std::future::pending().await
    }
}

pub(crate) async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, app.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn connection(stream: tokio::net::TcpStream, app: Router) {
    let kill = Arc::new(Notify::new());
    let handle = DropConnection(kill.clone());
    let service = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        service.call(request)
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
    }
}
