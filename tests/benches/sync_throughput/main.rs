//! Issue 5's synchronization benchmark: Couplet against the emulated Business Central and
//! Dataverse with the published limits and 50 ms latency, as a user drives it (connect with
//! the `couplet-api` functions, then the engine's mapping synchronization).
//!
//! `cargo bench -p couplet-scenarios --bench sync_throughput` (N=10,000 records per side);
//! `N=100000 cargo bench -p couplet-scenarios --bench sync_throughput` for more;
//! `LATENCY_MS=0` for none; `SCENARIOS=in-step` (or `first`) runs one group only, as
//! `N=1000000 SCENARIOS=in-step` does for the million. Scenarios, each group on freshly
//! seeded emulators:
//! - `first`: (1) first full synchronization ERP→CRM of N customers (the CUSTOMER mapping's
//!   ERP→CRM pass; the N generated accounts have other names, so every customer is created);
//!   (2) incremental ERP→CRM: 10 customers changed by a person, among the N now coupled;
//!   (3) first full synchronization CRM→ERP of N accounts (the CRM→ERP pass, new emulators);
//!   (4) incremental CRM→ERP: 10 accounts changed among the N now coupled.
//! - `in-step`, N customers and N accounts that already agree, as in an organization an
//!   earlier integration kept in step: (5) full synchronization of CUSTOMER both ways, every
//!   pair coupled by matching, nothing written; (6) incremental ERP→CRM and (7) CRM→ERP, 10
//!   records changed among the N coupled.
//!
//! The emulators run in a child process so the CPU time and peak memory printed are
//! Couplet's own.

mod editor;
mod emulator;
mod floor;
mod process;
mod report;

use std::time::{Duration, Instant};

use couplet_api::AppContext;
use couplet_engine::{Engine, SyncOptions};
use couplet_model::{Direction, Run};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use editor::Table;
use emulator::{Emulators, Setup};
use floor::{BC_BATCH, BC_PAGE, DV_BULK, DV_PAGE, Needed, Service, pages};
use report::{Measured, Served};

/// Records per side unless `N` says otherwise.
const DEFAULT_RECORDS: usize = 10_000;
/// Milliseconds of latency per request unless `LATENCY_MS` says otherwise.
const DEFAULT_LATENCY_MS: u64 = 50;
/// Records a person changes before an incremental synchronization.
const CHANGES: usize = 10;

fn main() {
    if let Ok(records) = std::env::var(emulator::CHILD_ENV) {
        if let Err(e) = emulator::serve_in_child(&records) {
            eprintln!("emulator process: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("sync_throughput: {e}");
        std::process::exit(1);
    }
}

fn number_from_env<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(text) => text
            .replace(['_', ','], "")
            .parse()
            .map_err(|_| format!("{name} must be a whole number, not {text:?}")),
        Err(_) => Ok(default),
    }
}

fn run() -> Result<(), String> {
    let records: usize = number_from_env("N", DEFAULT_RECORDS)?;
    if !(CHANGES..=couplet_sandbox::MAX_RECORDS).contains(&records) {
        return Err(format!(
            "N must be between {CHANGES} and {} records per side, not {records}",
            couplet_sandbox::MAX_RECORDS
        ));
    }
    let latency = Duration::from_millis(number_from_env("LATENCY_MS", DEFAULT_LATENCY_MS)?);
    let scenarios = std::env::var("SCENARIOS").unwrap_or_else(|_| "first,in-step".to_owned());
    let groups: Vec<&str> = scenarios.split(',').map(str::trim).collect();
    if let Some(unknown) = groups.iter().find(|g| !["first", "in-step"].contains(g)) {
        return Err(format!(
            "SCENARIOS lists scenario groups (first, in-step), not {unknown:?}"
        ));
    }
    let setup = Setup {
        records,
        latency,
        in_step: false,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    println!(
        "Couplet sync throughput: N = {records} customers and {records} accounts, published limits on both services, {} ms latency, {} cores.",
        latency.as_millis(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut results = Vec::new();
    if groups.contains(&"first") {
        for (direction, table) in [
            (Direction::ToCrm, Table::Customers),
            (Direction::FromCrm, Table::Accounts),
        ] {
            results.extend(runtime.block_on(one_way(setup, direction, table))?);
        }
    }
    if groups.contains(&"in-step") {
        let setup = Setup {
            in_step: true,
            ..setup
        };
        results.extend(runtime.block_on(in_step(setup))?);
    }
    for m in &results {
        m.print_details();
    }
    report::print_table(&results);
    Ok(())
}

/// Freshly seeded emulators, connected, salespeople coupled; then the full pass of CUSTOMER
/// in `direction` and an incremental one after `CHANGES` records of `table` changed.
async fn one_way(
    setup: Setup,
    direction: Direction,
    table: Table,
) -> Result<Vec<Measured>, String> {
    let (emulators, _data, engine) = connected(setup).await?;
    let n = setup.records as u64;
    let label = match direction {
        Direction::ToCrm => "ERP→CRM",
        _ => "CRM→ERP",
    };
    let full_needed = match direction {
        // Customers read; accounts read once for matching by name, then created in bulk.
        Direction::ToCrm => [
            Needed {
                service: Service::Bc,
                reads: pages(n, BC_PAGE),
                writes: 0,
                records_written: 0,
            },
            Needed {
                service: Service::Dv,
                reads: pages(n, DV_PAGE),
                writes: pages(n, DV_BULK),
                records_written: n,
            },
        ],
        // Accounts read; customers read once for matching, then created in $batch requests.
        _ => [
            Needed {
                service: Service::Dv,
                reads: pages(n, DV_PAGE),
                writes: 0,
                records_written: 0,
            },
            Needed {
                service: Service::Bc,
                reads: pages(n, BC_PAGE),
                writes: pages(n, BC_BATCH),
                records_written: n,
            },
        ],
    };
    let full = measure(
        &emulators,
        &engine,
        format!("First full sync {label}"),
        n,
        n,
        floor::floor(&full_needed, setup.latency),
        direction,
        true,
    )
    .await?;
    println!(
        "{}: {:.1} s ({} inserted, {} failed).",
        full.name,
        full.wall.as_secs_f64(),
        full.run.counters.inserted,
        full.run.counters.failed
    );
    changed(&emulators, table).await?;
    let incremental = incremental(&emulators, &engine, setup, direction).await?;
    Ok(vec![full, incremental])
}

/// Emulators seeded as `setup` says, Couplet connected to them with its salespeople coupled
/// (the engine, and the data folder that must outlive it).
async fn connected(setup: Setup) -> Result<(Emulators, tempfile::TempDir, Engine), String> {
    let seeding = Instant::now();
    let emulators = Emulators::start(setup)?;
    println!(
        "\nEmulators seeded with {} records a side{} in {:.1} s.",
        setup.records,
        if setup.in_step { ", in step" } else { "" },
        seeding.elapsed().as_secs_f64()
    );
    let data = tempfile::tempdir().map_err(|e| format!("data folder: {e}"))?;
    let ctx = AppContext::open(data.path()).map_err(|e| e.message)?;
    let (erp, crm) = couplet_api::demo::inputs(&emulators.info);
    couplet_api::connections::connect(&ctx, &erp, &crm)
        .await
        .map_err(|e| format!("connect: {}", e.message))?;
    let engine = couplet_api::sync::engine(&ctx)
        .await
        .map_err(|e| e.message)?;
    let salespeople = engine
        .sync_mapping(
            couplet_model::catalog::SALESPEOPLE,
            SyncOptions {
                full: true,
                direction: None,
            },
            CancellationToken::new(),
        )
        .await
        .map_err(|e| format!("salespeople: {e}"))?;
    println!(
        "Salespeople: {} coupled, {} created.",
        salespeople.counters.coupled, salespeople.counters.inserted
    );
    Ok((emulators, data, engine))
}

/// A person changes `CHANGES` records of `table`; returns once the changes lie in the past
/// by this process's clock.
async fn changed(emulators: &Emulators, table: Table) -> Result<(), String> {
    let changed_at = editor::change(&emulators.info, table, CHANGES).await?;
    // The emulators stamp writes with a clock that never repeats a millisecond, so after
    // many writes it runs ahead of this process's; a run reads changes made before its own
    // start (by this process's clock). Wait until the changes are in the past here.
    let ahead = (changed_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    if !ahead.is_zero() {
        println!(
            "The emulators' clock is {:.1} s ahead after the full sync; waiting for it.",
            ahead.as_secs_f64()
        );
    }
    tokio::time::sleep(ahead + Duration::from_millis(1_100)).await;
    Ok(())
}

/// The incremental pass in `direction` after `CHANGES` source records changed, measured.
async fn incremental(
    emulators: &Emulators,
    engine: &Engine,
    setup: Setup,
    direction: Direction,
) -> Result<Measured, String> {
    let (label, source, destination) = match direction {
        Direction::ToCrm => ("ERP→CRM", Service::Bc, Service::Dv),
        _ => ("CRM→ERP", Service::Dv, Service::Bc),
    };
    // The changes read from the source; their counterparts read by id; one write request
    // (Dataverse reads the written rows back for their ETags: one more read).
    let changes = CHANGES as u64;
    let needed = [
        Needed {
            service: source,
            reads: 1,
            writes: 0,
            records_written: 0,
        },
        Needed {
            service: destination,
            reads: 1,
            writes: 1,
            records_written: changes,
        },
    ];
    let incremental = measure(
        emulators,
        engine,
        format!("Incremental {label}, {CHANGES} changes"),
        changes,
        setup.records as u64,
        floor::floor(&needed, setup.latency),
        direction,
        false,
    )
    .await?;
    println!(
        "{}: {:.2} s ({} modified).",
        incremental.name,
        incremental.wall.as_secs_f64(),
        incremental.run.counters.modified
    );
    Ok(incremental)
}

/// Scenarios 5–7: N pairs already in step coupled by a full synchronization, then 10 changes
/// on each side among them.
async fn in_step(setup: Setup) -> Result<Vec<Measured>, String> {
    let (emulators, _data, engine) = connected(setup).await?;
    let n = setup.records as u64;
    // Customers read, accounts read once for matching; then the accounts read as the source
    // of the other pass (unchanged since they were coupled: nothing else is read).
    let needed = [
        Needed {
            service: Service::Bc,
            reads: pages(n, BC_PAGE),
            writes: 0,
            records_written: 0,
        },
        Needed {
            service: Service::Dv,
            reads: 2 * pages(n, DV_PAGE),
            writes: 0,
            records_written: 0,
        },
    ];
    let coupling = measure(
        &emulators,
        &engine,
        format!("Full sync of {n} pairs in step (coupled by matching)"),
        n,
        n,
        floor::floor(&needed, setup.latency),
        Direction::Bidirectional,
        true,
    )
    .await?;
    let c = coupling.run.counters;
    println!(
        "{}: {:.1} s ({} coupled, {} inserted, {} modified, {} failed).",
        coupling.name,
        coupling.wall.as_secs_f64(),
        c.coupled,
        c.inserted,
        c.modified,
        c.failed
    );
    let mut out = vec![coupling];
    for (direction, table) in [
        (Direction::ToCrm, Table::Customers),
        (Direction::FromCrm, Table::Accounts),
    ] {
        changed(&emulators, table).await?;
        out.push(incremental(&emulators, &engine, setup, direction).await?);
    }
    Ok(out)
}

/// Runs the CUSTOMER mapping in `direction` (full or incremental) and measures it.
#[allow(clippy::too_many_arguments)]
async fn measure(
    emulators: &Emulators,
    engine: &Engine,
    name: String,
    records: u64,
    among: u64,
    floor: floor::Floor,
    direction: Direction,
    full: bool,
) -> Result<Measured, String> {
    let emulator_pid = emulators.pid().to_string();
    let before = emulators.stats().await?;
    let memory_reset = process::reset_peak_memory();
    let cpu = process::cpu_time("self");
    let emulator_cpu = process::cpu_time(&emulator_pid);
    let started = Instant::now();
    let run: Run = engine
        .sync_mapping(
            couplet_model::catalog::CUSTOMER,
            SyncOptions {
                full,
                direction: Some(direction),
            },
            CancellationToken::new(),
        )
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    let wall = started.elapsed();
    let engine_cpu = process::cpu_time("self")
        .zip(cpu)
        .map(|(after, before)| after.saturating_sub(before));
    let emulator_cpu = process::cpu_time(&emulator_pid)
        .zip(emulator_cpu)
        .map(|(after, before)| after.saturating_sub(before));
    let peak_memory = process::peak_memory().filter(|_| memory_reset);
    let after = emulators.stats().await?;
    Ok(Measured {
        name,
        records,
        among,
        wall,
        floor,
        bc: served(&before["erp"], &after["erp"]),
        dv: served(&before["crm"], &after["crm"]),
        tokens: counter(&before["token"], &after["token"], "requests"),
        engine_cpu,
        emulator_cpu,
        peak_memory,
        run,
    })
}

fn counter(before: &Value, after: &Value, field: &str) -> u64 {
    let get = |v: &Value| v[field].as_u64().unwrap_or(0);
    get(after).saturating_sub(get(before))
}

fn served(before: &Value, after: &Value) -> Served {
    Served {
        requests: counter(before, after, "requests"),
        reads: counter(before, after, "reads"),
        writes: counter(before, after, "writes"),
        batches: counter(before, after, "batches"),
        throttled: counter(before, after, "throttled"),
    }
}
