//! `reel serve`: HTTP over [`reel::serve::Service`], on tiny_http (a small synchronous server:
//! a request is a few milliseconds of searching, so threads taking requests off one listener
//! serve it without an async runtime). Only GET is answered.

use std::process::ExitCode;
use std::sync::Arc;

use reel::serve::{Response, Service};

use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut probe = reel::searcher::Searcher::open(&args.index)?;
    for w in probe.warnings() {
        say!("reel: warning: {w}");
    }
    // The model is loaded once, for every request, when the index has vectors.
    let mode = super::prepare_mode(&mut probe, &args.semantic)?;
    let model = match mode {
        reel::searcher::Mode::Lexical => None,
        _ => probe.model(),
    };
    drop(probe);
    let service = Arc::new(Service::new(
        args.index.clone(),
        reel::paths::current_dir(),
        model,
    )?);
    let server = tiny_http::Server::http(&args.addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
    let addr = server
        .server_addr()
        .to_ip()
        .map_or_else(|| args.addr.clone(), |a| a.to_string());
    say!(
        "reel: serving {} at http://{addr}/ (Ctrl-C stops)",
        args.index.display()
    );
    let server = Arc::new(server);
    let threads = args.threads.max(1);
    // SIGINT and SIGTERM stop taking requests; those in flight are answered, then exit 0.
    {
        let server = server.clone();
        super::signal::on_stop(move || {
            for _ in 0..threads {
                server.unblock();
            }
        });
    }
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (server, service) = (server.clone(), service.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    answer(&service, request);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    say!("reel: stopped serving {}", args.index.display());
    Ok(ExitCode::SUCCESS)
}

fn answer(service: &Service, request: tiny_http::Request) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let response = if *request.method() != tiny_http::Method::Get {
        Response::error(405, "only GET is answered")
    } else {
        // A panic is one request's 500, never the server's end.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.get(path, query)))
            .unwrap_or_else(|_| Response::error(500, "internal error"))
    };
    let header = tiny_http::Header::from_bytes("Content-Type", response.content_type)
        .expect("a valid header");
    let reply = tiny_http::Response::from_data(response.body.into_bytes())
        .with_status_code(response.status)
        .with_header(header);
    // The client may have gone: nothing to tell it.
    let _ = request.respond(reply);
}
