//! A small client for the relay's WebSocket protocol (used by the host command line and tests).

use futures_util::{SinkExt, StreamExt};
use guestlink::MailboxId;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::wire::{ClientMsg, Role, ServerMsg, mailbox_hex};

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The connection failed or closed.
    Connection(String),
    /// The relay refused, with its stable code and name.
    Refused {
        /// Numeric code (a guestlink code or 600-699).
        code: u32,
        /// Stable name.
        name: String,
        /// With `CLAIMED`: the host-signed claimed record.
        claimed: Option<Vec<u8>>,
    },
    /// The relay said something this client does not understand.
    Protocol(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Connection(e) => write!(f, "connection: {e}"),
            ClientError::Refused { code, name, .. } => write!(f, "refused: {name} ({code})"),
            ClientError::Protocol(e) => write!(f, "protocol: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// What the relay answered to a successful authentication.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The role the relay recognised.
    pub role: Role,
    /// The invite record.
    pub record: Vec<u8>,
    /// The claimed record, if any.
    pub claimed: Option<Vec<u8>>,
    /// The revocation record, if any.
    pub revocation: Option<Vec<u8>>,
}

/// One WebSocket connection to a mailbox.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// The WebSocket URL of a mailbox on the relay at `relay` (`http://host:port`).
pub fn mailbox_url(relay: &str, mailbox: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{base}/v1/mailbox/{mailbox}/ws")
}

impl Client {
    /// Opens a connection and reads the challenge, without authenticating (tests use this to
    /// send anything they like).
    pub async fn open(relay: &str, mailbox: &str) -> Result<(Client, Vec<u8>), ClientError> {
        let (ws, _) = tokio_tungstenite::connect_async(mailbox_url(relay, mailbox))
            .await
            .map_err(|e| ClientError::Connection(e.to_string()))?;
        let mut client = Client { ws };
        match client.recv().await? {
            Some(ServerMsg::Challenge { challenge }) => Ok((client, challenge)),
            other => Err(ClientError::Protocol(format!("expected a challenge, got {other:?}"))),
        }
    }

    /// Opens a connection and authenticates with `sign` (one of the library's `relay_auth`
    /// methods). `record` creates the mailbox (host only).
    pub async fn connect(
        relay: &str,
        mailbox: &MailboxId,
        sign: impl FnOnce(&[u8]) -> guestlink::Result<[u8; 64]>,
        after: u64,
        record: Option<Vec<u8>>,
    ) -> Result<(Client, Ready), ClientError> {
        let (mut client, challenge) = Client::open(relay, &mailbox_hex(mailbox)).await?;
        let signature = sign(&challenge).map_err(|e| ClientError::Protocol(e.to_string()))?;
        client.send(&ClientMsg::Auth { signature: signature.to_vec(), after, record }).await?;
        match client.recv().await? {
            Some(ServerMsg::Ready { role, record, claimed, revocation }) => {
                Ok((client, Ready { role, record, claimed, revocation }))
            }
            Some(ServerMsg::Error { code, name, claimed, .. }) => {
                Err(ClientError::Refused { code, name, claimed })
            }
            other => Err(ClientError::Protocol(format!("expected ready, got {other:?}"))),
        }
    }

    /// Sends one frame.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<(), ClientError> {
        let text = serde_json::to_string(msg).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.send_text(text).await
    }

    /// Sends a raw text frame (tests use it for malformed input).
    pub async fn send_text(&mut self, text: String) -> Result<(), ClientError> {
        self.ws.send(Message::text(text)).await.map_err(|e| ClientError::Connection(e.to_string()))
    }

    /// The next frame from the relay, or `None` once the connection closed.
    pub async fn recv(&mut self) -> Result<Option<ServerMsg>, ClientError> {
        loop {
            match self.ws.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(e)) => return Err(ClientError::Connection(e.to_string())),
                Some(Ok(Message::Text(t))) => {
                    return serde_json::from_str(t.as_str())
                        .map(Some)
                        .map_err(|e| ClientError::Protocol(e.to_string()));
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
