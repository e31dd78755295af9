//! The receiver and the sink under a flood of idle and slow connections on 127.0.0.1, with
//! small limits: every connection that sends nothing or only part of its headers, or idles after
//! an answer, is closed, and signed deliveries (sink calls) sent during the flood are answered
//! and kept.

use std::time::Duration;

use hookbench_core::segment::sink::{Sink, SinkOptions};
use hookbench_core::server::ServerLimits;
use hookbench_core::store::Store;
use hookbench_core::webhook::receiver::{Receiver, ReceiverOptions};
use hookbench_core::webhook::signature::{self, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WAIT: Duration = Duration::from_secs(20);
const IDLE_CONNECTIONS: usize = 100;
const SLOW_CONNECTIONS: usize = 20;
const DELIVERIES: usize = 20;

fn limits() -> ServerLimits {
    ServerLimits {
        header_read: Duration::from_millis(200),
        idle: Duration::from_millis(200),
        max_connections: 32,
    }
}

/// Connections that send nothing, and connections that send part of a request's headers.
async fn flood(addr: std::net::SocketAddr) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..IDLE_CONNECTIONS {
        streams.push(TcpStream::connect(addr).await.expect("connect"));
    }
    for _ in 0..SLOW_CONNECTIONS {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Ty")
            .await
            .expect("partial headers");
        streams.push(stream);
    }
    streams
}

/// Waits until the server closes the connection (end of stream or a reset).
async fn closed(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

async fn assert_all_closed(streams: Vec<TcpStream>) {
    let count = streams.len();
    let waits: Vec<_> = streams
        .into_iter()
        .map(|s| tokio::spawn(closed(s)))
        .collect();
    for wait in waits {
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("one of {count} connections still open after the wait"))
            .expect("joined");
    }
}

/// One request on a connection kept alive, then nothing: the server closes it.
async fn assert_idle_keep_alive_closed(addr: std::net::SocketAddr, request: &[u8]) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("request");
    let mut head = [0u8; 12];
    tokio::time::timeout(WAIT, stream.read_exact(&mut head))
        .await
        .expect("answered within the wait")
        .expect("read");
    assert_eq!(&head, b"HTTP/1.1 200");
    tokio::time::timeout(WAIT, closed(stream))
        .await
        .expect("the idle connection is closed within the wait");
}

fn client() -> reqwest::Client {
    // A connection per request: none is left idle in a pool for the server to close under it.
    reqwest::Client::builder()
        .timeout(WAIT)
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_sheds_idle_and_slow_connections_and_answers_deliveries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let secret = Secret::parse(SECRET).expect("secret");
    let receiver = Receiver::new(
        store.clone(),
        ReceiverOptions {
            secret: Some(secret.clone()),
            server: limits(),
            ..ReceiverOptions::default()
        },
    );
    let running = receiver.start("127.0.0.1:0").await.expect("start");
    let addr = running.addr();
    let streams = flood(addr).await;

    let http = client();
    let mut answers = Vec::new();
    for n in 0..DELIVERIES {
        let http = http.clone();
        let secret = secret.clone();
        let url = running.url().clone();
        answers.push(tokio::spawn(async move {
            let id = format!("msg_flood_{n}");
            let timestamp = chrono::Utc::now().timestamp();
            let body = format!(r#"{{"type":"payment.succeeded","n":{n}}}"#).into_bytes();
            let signature = signature::sign(&secret, &id, timestamp, &body);
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .send()
                .await
                .expect("answered");
            response.status().as_u16()
        }));
    }
    for answer in answers {
        assert_eq!(answer.await.expect("joined"), 200);
    }
    assert_eq!(store.count().expect("count"), DELIVERIES as u64);
    assert_all_closed(streams).await;
    assert_idle_keep_alive_closed(addr, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    tokio::time::timeout(WAIT, running.stop())
        .await
        .expect("stopped within the wait");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sink_sheds_idle_and_slow_connections_and_answers_calls() {
    let sink = Sink::with_options(SinkOptions {
        server: limits(),
        ..SinkOptions::default()
    });
    let running = sink.start("127.0.0.1:0").await.expect("start");
    let port = running.url().port().expect("port");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let streams = flood(addr).await;

    let http = client();
    let mut answers = Vec::new();
    for n in 0..DELIVERIES {
        let http = http.clone();
        let url = running.url().join("/v1/track").expect("url");
        answers.push(tokio::spawn(async move {
            let body = format!(r#"{{"writeKey":"k","userId":"u","event":"E","messageId":"m{n}"}}"#);
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("answered");
            response.status().as_u16()
        }));
    }
    for answer in answers {
        assert_eq!(answer.await.expect("joined"), 200);
    }
    assert_eq!(sink.calls().len(), DELIVERIES);
    assert_all_closed(streams).await;
    assert_idle_keep_alive_closed(addr, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await;
}
