//! A raw client connection for tests that play a Java client byte for byte: requests and
//! responses in both directions (the broker's CHECK_TRANSACTION_STATE, GET_CONSUMER_RUNNING_INFO
//! and RESET_CONSUMER_CLIENT_OFFSET reach the client on its own connection).

use std::time::{Duration, Instant};

use broker::remoting::codes::FLAG_RESPONSE;
use broker::remoting::connection::FrameReader;
use broker::remoting::frame;
use broker::remoting::RemotingCommand;
use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::util::T;

/// One raw client connection, as a Java client's: requests and responses in both directions.
pub struct RawConn {
    reader: FrameReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    next_opaque: i32,
    /// Requests from the broker that arrived while waiting for a response.
    pub requests: Vec<RemotingCommand>,
}

impl RawConn {
    pub async fn connect(addr: &str) -> Self {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        Self {
            reader: FrameReader::new(r, 16 << 20),
            writer: w,
            next_opaque: 1,
            requests: Vec::new(),
        }
    }

    pub async fn write(&mut self, cmd: &RemotingCommand) {
        let mut buf = BytesMut::new();
        frame::encode(cmd, &mut buf);
        self.writer.write_all(&buf).await.unwrap();
    }

    pub async fn oneway(&mut self, mut cmd: RemotingCommand) {
        cmd.opaque = self.next_opaque;
        self.next_opaque += 1;
        cmd.mark_oneway();
        self.write(&cmd).await;
    }

    pub async fn call(&mut self, mut cmd: RemotingCommand) -> RemotingCommand {
        cmd.opaque = self.next_opaque;
        self.next_opaque += 1;
        self.write(&cmd).await;
        loop {
            let got = tokio::time::timeout(T, self.reader.read_command())
                .await
                .expect("a response in time")
                .unwrap()
                .expect("connection open");
            if got.is_response() && got.opaque == cmd.opaque {
                return got;
            }
            if !got.is_response() {
                self.requests.push(got);
            }
        }
    }

    /// The next request the broker sends on this connection.
    pub async fn next_request(&mut self, limit: Duration) -> RemotingCommand {
        if !self.requests.is_empty() {
            return self.requests.remove(0);
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let got = tokio::time::timeout(left, self.reader.read_command())
                .await
                .expect("a request from the broker in time")
                .unwrap()
                .expect("connection open");
            if !got.is_response() {
                return got;
            }
        }
    }

    /// Answers a two-way request from the broker.
    pub async fn answer(&mut self, req: &RemotingCommand, code: i32, body: &[u8]) {
        let mut resp = RemotingCommand::response(code, None).with_body(body.to_vec());
        resp.opaque = req.opaque;
        resp.flag |= FLAG_RESPONSE;
        self.write(&resp).await;
    }
}
