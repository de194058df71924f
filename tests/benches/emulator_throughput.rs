//! How many requests a second the emulated Business Central and Dataverse sustain, with
//! 100,000 records a side, for the reads and writes an integration makes. Prints a table;
//! run with `cargo bench -p couplet-scenarios --bench emulator_throughput`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use couplet_sandbox::{Sandbox, SandboxConfig, Seed, start};
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

/// Records per side.
const RECORDS: usize = 100_000;
/// Concurrent clients per scenario.
const CLIENTS: usize = 8;
/// How long each scenario runs.
const RUN_FOR: Duration = Duration::from_secs(4);

struct Setup {
    sandbox: Sandbox,
    bc: String,
    dv: String,
    customers: Vec<String>,
    accounts: Vec<String>,
}

async fn token(sandbox: &Sandbox, scope: &str) -> String {
    let info = sandbox.info();
    let body: Value = Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.client_id.as_str()),
            ("client_secret", info.client_secret.as_str()),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    body["access_token"].as_str().expect("token").to_owned()
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
        "{name:<52} {requests:>7} requests  {:>8.0} requests/s  {:>9.0} rows/s",
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

    let s = setup.clone();
    measure("BC: one customer by id", move |client, n| {
        let s = s.clone();
        async move {
            let id = &s.customers[n as usize % s.customers.len()];
            let url = format!("{}({id})", customers_url(&s.sandbox));
            let ok = client
                .get(url)
                .bearer_auth(&s.bc)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            usize::from(ok)
        }
    })
    .await;

    let s = setup.clone();
    measure("BC: a page of 1,000 changed customers (index)", move |client, n| {
        let s = s.clone();
        async move {
            let skip = (n % 10) * 1_000;
            let url = format!(
                "{}?$filter=lastModifiedDateTime ge 2024-01-01T00:00:00Z&$orderby=lastModifiedDateTime asc,id asc&$top=1000&$skip={skip}",
                customers_url(&s.sandbox)
            );
            let page: Value = client.get(url).bearer_auth(&s.bc).send().await.expect("page").json().await.expect("JSON");
            rows_of(&page)
        }
    })
    .await;

    let s = setup.clone();
    measure(
        "BC: update one customer (PATCH, If-Match *)",
        move |client, n| {
            let s = s.clone();
            async move {
                let id = &s.customers[n as usize % s.customers.len()];
                let url = format!("{}({id})", customers_url(&s.sandbox));
                let ok = client
                    .patch(url)
                    .bearer_auth(&s.bc)
                    .header("If-Match", "*")
                    .json(&json!({"phoneNumber": format!("555-{:04}", n % 10_000)}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                usize::from(ok)
            }
        },
    )
    .await;

    let s = setup.clone();
    measure("Dataverse: one account by id", move |client, n| {
        let s = s.clone();
        async move {
            let id = &s.accounts[n as usize % s.accounts.len()];
            let url = format!("{}({id})?$select=name", accounts_url(&s.sandbox));
            let ok = client
                .get(url)
                .bearer_auth(&s.dv)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            usize::from(ok)
        }
    })
    .await;

    let s = setup.clone();
    measure("Dataverse: 5,000 changed accounts, first page (index)", move |client, _| {
        let s = s.clone();
        async move {
            let url = format!(
                "{}?$select=name,modifiedon&$filter=modifiedon ge 2024-01-01T00:00:00Z&$orderby=modifiedon asc,accountid asc",
                accounts_url(&s.sandbox)
            );
            let page: Value = client
                .get(url)
                .bearer_auth(&s.dv)
                .header("Prefer", "odata.maxpagesize=5000")
                .send()
                .await
                .expect("page")
                .json()
                .await
                .expect("JSON");
            rows_of(&page)
        }
    })
    .await;

    let s = setup.clone();
    measure(
        "Dataverse: update one account (PATCH, If-Match *)",
        move |client, n| {
            let s = s.clone();
            async move {
                let id = &s.accounts[n as usize % s.accounts.len()];
                let url = format!("{}({id})", accounts_url(&s.sandbox));
                let ok = client
                    .patch(url)
                    .bearer_auth(&s.dv)
                    .header("If-Match", "*")
                    .json(&json!({"telephone1": format!("555-{:04}", n % 10_000)}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                usize::from(ok)
            }
        },
    )
    .await;

    let stats = setup.sandbox.stats();
    println!(
        "\nRequests served: Business Central {}, Dataverse {}, tokens {}; failed {}.",
        stats.erp_requests, stats.crm_requests, stats.token_requests, stats.failed
    );
}
