//! How many requests a second the emulated Business Central and Dataverse sustain, with
//! 100,000 records a side, for the reads and writes an integration makes. Prints a table;
//! run with `cargo bench -p couplet-scenarios --bench emulator_throughput`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use couplet_sandbox::{Sandbox, SandboxConfig, Seed, start};
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

#[path = "../tests/support/http.rs"]
mod http;
use http::token;

/// Sends `request`; 1 when it succeeded, 0 when not (the row it carried).
async fn succeeded(request: RequestBuilder) -> usize {
    usize::from(request.send().await.is_ok_and(|r| r.status().is_success()))
}

/// Records per side.
const RECORDS: usize = 100_000;
/// Concurrent clients per scenario.
const CLIENTS: usize = 8;
/// How long each scenario runs.
const RUN_FOR: Duration = Duration::from_secs(4);

/// One service's requests for the scenarios.
struct Side {
    label: &'static str,
    token: String,
    one: fn(&Setup, &str) -> String,
    ids: Vec<String>,
    patch: fn(u64) -> Value,
    page: fn(&Setup, u64) -> String,
    page_label: &'static str,
}

struct Setup {
    sandbox: Sandbox,
    bc: String,
    dv: String,
    customers: Vec<String>,
    accounts: Vec<String>,
}

fn customers_url(sandbox: &Sandbox) -> String {
    let info = sandbox.info();
    format!(
        "{}/companies({})/customers",
        info.erp_api_url, info.erp_company_id
    )
}

fn accounts_url(sandbox: &Sandbox) -> String {
    format!("{}/api/data/v9.2/accounts", sandbox.info().crm_url)
}

async fn ids(request: RequestBuilder, field: &str) -> Vec<String> {
    let page: Value = request
        .send()
        .await
        .expect("ids")
        .json()
        .await
        .expect("JSON");
    page["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|r| r[field].as_str().map(str::to_owned))
        .collect()
}

/// Runs `CLIENTS` loops of `one` for `RUN_FOR`; `one(client, n)` sends request `n` and
/// returns the rows it carried. Prints one line.
async fn measure<F, Fut>(name: &str, one: F)
where
    F: Fn(Client, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = usize> + Send,
{
    let one = Arc::new(one);
    let requests = Arc::new(AtomicU64::new(0));
    let rows = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let (one, requests, rows) = (one.clone(), requests.clone(), rows.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::new();
            let mut n = worker as u64 * 1_000_003;
            while started.elapsed() < RUN_FOR {
                let carried = one(client.clone(), n).await;
                requests.fetch_add(1, Ordering::Relaxed);
                rows.fetch_add(carried as u64, Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    for task in tasks {
        task.await.expect("worker");
    }
    let seconds = started.elapsed().as_secs_f64();
    let (requests, rows) = (
        requests.load(Ordering::Relaxed),
        rows.load(Ordering::Relaxed),
    );
    println!(
        "{name:<64} {requests:>7} requests  {:>8.0} requests/s  {:>9.0} rows/s",
        requests as f64 / seconds,
        rows as f64 / seconds
    );
}

fn rows_of(page: &Value) -> usize {
    page["value"].as_array().map_or(0, Vec::len)
}

#[tokio::main]
async fn main() {
    let seeding = Instant::now();
    let sandbox = start(SandboxConfig {
        seed: Seed::Records(RECORDS),
        ..SandboxConfig::default()
    })
    .await
    .expect("the emulators start");
    println!(
        "Emulators seeded with {RECORDS} customers and {RECORDS} accounts in {:.1} s; {CLIENTS} clients, {} s per line.\n",
        seeding.elapsed().as_secs_f64(),
        RUN_FOR.as_secs()
    );
    let info = sandbox.info().clone();
    let bc = token(&sandbox, &info.erp_scope).await;
    let dv = token(&sandbox, &info.crm_scope).await;
    let customers = ids(
        Client::new()
            .get(format!("{}?$select=id&$top=1000", customers_url(&sandbox)))
            .bearer_auth(&bc),
        "id",
    )
    .await;
    let accounts = ids(
        Client::new()
            .get(format!(
                "{}?$select=accountid&$top=1000",
                accounts_url(&sandbox)
            ))
            .bearer_auth(&dv),
        "accountid",
    )
    .await;
    let setup = Arc::new(Setup {
        sandbox,
        bc,
        dv,
        customers,
        accounts,
    });

    let sides = [
        Side {
            label: "Business Central",
            token: setup.bc.clone(),
            one: |s: &Setup, id: &str| format!("{}({id})", customers_url(&s.sandbox)),
            ids: setup.customers.clone(),
            patch: |n| json!({"phoneNumber": format!("555-{:04}", n % 10_000)}),
            // Pages of 1,000 through the first 10,000 changes, as a change read pages.
            page: |s: &Setup, n| {
                format!(
                    "{}?$filter=lastModifiedDateTime ge 2024-01-01T00:00:00Z&$orderby=lastModifiedDateTime asc,id asc&$top=1000&$skip={}",
                    customers_url(&s.sandbox),
                    (n % 10) * 1_000
                )
            },
            page_label: "a page of 1,000 changed customers",
        },
        Side {
            label: "Dataverse",
            token: setup.dv.clone(),
            one: |s: &Setup, id: &str| format!("{}({id})?$select=name", accounts_url(&s.sandbox)),
            ids: setup.accounts.clone(),
            patch: |n| json!({"telephone1": format!("555-{:04}", n % 10_000)}),
            page: |s: &Setup, _| {
                format!(
                    "{}?$select=name,modifiedon&$filter=modifiedon ge 2024-01-01T00:00:00Z&$orderby=modifiedon asc,accountid asc",
                    accounts_url(&s.sandbox)
                )
            },
            page_label: "the first page of 5,000 changed accounts",
        },
    ];
    for side in sides {
        let side = Arc::new(side);
        let (s, d) = (setup.clone(), side.clone());
        measure(
            &format!("{}: one record by id", side.label),
            move |client, n| {
                let (s, d) = (s.clone(), d.clone());
                async move {
                    let id = &d.ids[n as usize % d.ids.len()];
                    succeeded(client.get((d.one)(&s, id)).bearer_auth(&d.token)).await
                }
            },
        )
        .await;
        let (s, d) = (setup.clone(), side.clone());
        measure(
            &format!("{}: {} (index)", side.label, side.page_label),
            move |client, n| {
                let (s, d) = (s.clone(), d.clone());
                async move {
                    let page: Value = client
                        .get((d.page)(&s, n))
                        .bearer_auth(&d.token)
                        .header("Prefer", "odata.maxpagesize=5000")
                        .send()
                        .await
                        .expect("page")
                        .json()
                        .await
                        .expect("JSON");
                    rows_of(&page)
                }
            },
        )
        .await;
        let (s, d) = (setup.clone(), side.clone());
        measure(
            &format!("{}: update one record (PATCH, If-Match *)", side.label),
            move |client, n| {
                let (s, d) = (s.clone(), d.clone());
                async move {
                    let id = &d.ids[n as usize % d.ids.len()];
                    let url = (d.one)(&s, id);
                    let url = url.split('?').next().unwrap_or(&url).to_owned();
                    succeeded(
                        client
                            .patch(url)
                            .bearer_auth(&d.token)
                            .header("If-Match", "*")
                            .json(&(d.patch)(n)),
                    )
                    .await
                }
            },
        )
        .await;
    }

    let stats = setup.sandbox.stats();
    println!(
        "\nRequests served: Business Central {}, Dataverse {}, tokens {}; failed {}.",
        stats.erp_requests, stats.crm_requests, stats.token_requests, stats.failed
    );
}
