//! A scripted HTTP/1.1 server on 127.0.0.1 for hostile answers the emulator
//! does not give: echoed credentials, absurd `expires_in`, endless 503s. Each
//! connection gets one answer and is closed; requests are counted per path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// An answer: a status, extra headers and a body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A token response.
    pub fn token(access_token: &str, expires_in: &str) -> Self {
        Self::new(
            200,
            format!(
                r#"{{"access_token":"{access_token}","expires_in":{expires_in},"scope":"alexa::proactive_events","token_type":"bearer"}}"#
            ),
        )
        .header("content-type", "application/json")
    }
}

type Answer = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// The running server; stopped on drop.
pub struct Loopback {
    pub addr: std::net::SocketAddr,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Loopback {
    /// Serves `answer(request, n)`, `n` being how many requests this path had
    /// before (0 for the first).
    pub async fn start(answer: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let answer: Arc<Answer> = Arc::new(answer);
        let task = {
            let counts = counts.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let counts = counts.clone();
                    let answer = answer.clone();
                    tokio::spawn(async move {
                        let Some(seen) = read_request(&mut stream).await else {
                            return;
                        };
                        let n = {
                            let mut counts = counts.lock().expect("counts");
                            let n = counts.entry(seen.path.clone()).or_insert(0);
                            *n += 1;
                            *n - 1
                        };
                        let reply = answer(&seen, n);
                        let mut head = format!(
                            "HTTP/1.1 {} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n",
                            reply.status,
                            reply.body.len()
                        );
                        for (name, value) in &reply.headers {
                            head.push_str(&format!("{name}: {value}\r\n"));
                        }
                        head.push_str("\r\n");
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(reply.body.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            })
        };
        Self { addr, counts, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token_url(&self) -> String {
        format!("{}/auth/o2/token", self.url())
    }

    /// Requests seen on `path`.
    pub fn count(&self, path: &str) -> usize {
        self.counts
            .lock()
            .expect("counts")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}
