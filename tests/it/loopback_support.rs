//! An axum router served on 127.0.0.1, port 0, for the tests' stand-ins (a
//! certificate-chain host, a token endpoint, the skill-events router) until
//! [`Loopback::stop`].

use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Loopback {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Loopback {
    pub async fn serve(app: axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .await
                .expect("serves");
        });
        Self { addr, stop, task }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish and waits for the server.
    pub async fn stop(self) {
        self.stop.send(()).ok();
        self.task.await.expect("the server task");
    }
}
