//! The fake's HTTP/1.1 on raw tokio, one request per connection: raw, so that replies can break
//! the protocol on purpose (hang, close, truncate, stall, close-delimited bodies).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::reply::{Fault, Reply, Signing};
use super::request::RecordedRequest;
use super::state::State;

/// The largest request head (request line and headers) the fake reads.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The largest request body the fake reads.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Accepts connections until `stop` fires or is dropped; dropping the set of connection tasks
/// (when this returns or is aborted) ends every connection, hanging ones included.
pub(super) async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, state.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    match read_request(&mut stream).await {
        Ok(Some(request)) => {
            let reply = state.answer(request);
            write_reply(&mut stream, &state, reply).await;
        }
        Ok(None) => {}
        Err(bad) => {
            write_reply(&mut stream, &state, bad).await;
            drain(&mut stream).await;
        }
    }
}

/// Reads what the client still sends after a refused request (for up to 2 s or 1 MiB), so that
/// closing with unread data does not reset the connection before the client reads the answer.
async fn drain(stream: &mut TcpStream) {
    let mut sink = vec![0u8; 16 * 1024];
    let mut left = 1024 * 1024usize;
    let reading = async {
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), reading).await;
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn bad_request(status: u16, message: &str) -> Reply {
    Reply::cobo_error(status, 2006, message)
}

/// Reads one request: `Ok(None)` when the client went away first, `Err` with the HTTP error to
/// answer when it is malformed or too large.
async fn read_request(stream: &mut TcpStream) -> Result<Option<RecordedRequest>, Reply> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(bad_request(431, "request head too large"));
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(_) => {}
        }
    };
    let mut request = parse_head(&buf[..head_end])?;
    let rest = buf.split_off(head_end + 4);
    request.body = if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        match read_chunked(stream, rest).await? {
            Some(body) => body,
            None => return Ok(None),
        }
    } else {
        let length = match request.header("content-length") {
            None => 0,
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| bad_request(400, "invalid Content-Length"))?,
        };
        if length > MAX_BODY_BYTES {
            return Err(bad_request(413, "request body too large"));
        }
        match read_exactly(stream, rest, length).await {
            Some(body) => body,
            None => return Ok(None),
        }
    };
    Ok(Some(request))
}

fn parse_head(head: &[u8]) -> Result<RecordedRequest, Reply> {
    let head =
        std::str::from_utf8(head).map_err(|_| bad_request(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Err(bad_request(400, "malformed request line"));
    };
    if method.is_empty() || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(bad_request(400, "malformed request line"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad_request(400, "malformed header line"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
    })
}

/// Reads until `buf` holds at least `length` bytes; `false` if the client goes away first.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, length: usize) -> bool {
    while buf.len() < length {
        match stream.read_buf(buf).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    true
}

/// `length` bytes: those already read in `have`, then more; `None` if the client goes away.
async fn read_exactly(stream: &mut TcpStream, mut have: Vec<u8>, length: usize) -> Option<Vec<u8>> {
    if !fill(stream, &mut have, length).await {
        return None;
    }
    have.truncate(length);
    Some(have)
}

/// Decodes a chunked body (trailers are not supported: the last chunk must end the body).
async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Result<Option<Vec<u8>>, Reply> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(pos) = find(&buf, b"\r\n") {
                break pos;
            }
            if buf.len() > MAX_HEAD_BYTES {
                return Err(bad_request(400, "malformed chunk size"));
            }
            let want = buf.len() + 1;
            if !fill(stream, &mut buf, want).await {
                return Ok(None);
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| bad_request(400, "malformed chunk size"))?;
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Err(bad_request(413, "request body too large"));
        }
        // The chunk and its CRLF (for the last chunk: the CRLF that ends the body).
        let chunk_end = line_end + 2 + size + 2;
        if !fill(stream, &mut buf, chunk_end).await {
            return Ok(None);
        }
        body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
        if size == 0 {
            return Ok(Some(body));
        }
        buf.drain(..chunk_end);
    }
}

/// Milliseconds since the Unix epoch, as `Biz-Timestamp` carries them.
pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

async fn write_reply(stream: &mut TcpStream, state: &State, reply: Reply) {
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.fault {
        Fault::Hang => std::future::pending::<()>().await,
        Fault::Close => return,
        Fault::None | Fault::Truncate | Fault::StallBody => {}
    }
    let mut body = reply.body;
    let reason = reqwest::StatusCode::from_u16(reply.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nconnection: close\r\n",
        reply.status
    );
    if reply.signing != Signing::None {
        let timestamp = now_ms().to_string();
        let signature = state.sign_response(&body, &timestamp);
        head.push_str(&format!(
            "biz-timestamp: {timestamp}\r\nbiz-resp-signature: {signature}\r\n"
        ));
        if reply.signing == Signing::Tampered {
            body.push(b' ');
        }
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.fault {
        Fault::Truncate => head.push_str(&format!("content-length: {}\r\n", body.len() + 100)),
        _ if reply.close_delimited => {}
        _ => head.push_str(&format!("content-length: {}\r\n", body.len())),
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    if reply.fault == Fault::StallBody {
        let _ = stream.write_all(&body[..body.len() / 2]).await;
        let _ = stream.flush().await;
        std::future::pending::<()>().await;
    }
    let _ = stream.write_all(&body).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}
