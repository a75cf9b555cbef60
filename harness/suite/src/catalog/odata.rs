//! Group `odata`: paging with `$top` and `@odata.nextLink`, `$filter` with `eq`, `$select` and `$count`
//! on the inventory.

use reqwest::Method;
use serde_json::Value;

use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::Request;
use crate::endpoints::Op;
use crate::rules;
use crate::steps::{self, Token};
use crate::wording;

/// The inventory URL with a query string (`$` and spaces escaped).
fn query(run: &CaseRun, query: &str) -> String {
    let encoded = query
        .replace(' ', "%20")
        .replace('$', "%24")
        .replace('\'', "%27");
    format!("{}?{encoded}", run.ctx().target.urls().devices())
}

async fn list(run: &mut CaseRun, step: &str, url: String) -> Result<Value, Abort> {
    let exchange =
        steps::admin_send(run, Op::ListDevices, Request::new(step, Method::GET, url)).await?;
    run.require_status(&exchange, &[200], rules::FILTER)?;
    Ok(exchange.json().unwrap_or(Value::Null))
}

fn items(page: &Value) -> Vec<Value> {
    page["value"].as_array().cloned().unwrap_or_default()
}

/// Creates `n` devices of one manufacturer unique to the case; returns their serials and the maker.
async fn seed_devices(run: &mut CaseRun, n: usize) -> Result<(Vec<String>, String), Abort> {
    let maker = format!("maker-{}", run.serial());
    let mut serials = Vec::new();
    for _ in 0..n {
        let mut body = Token::random().create_body(run);
        body["manufacturer"] = Value::String(maker.clone());
        serials.push(body["serialNumber"].as_str().unwrap_or_default().to_owned());
        steps::create(run, body).await?;
    }
    Ok((serials, maker))
}

async fn paging(run: &mut CaseRun) -> Result<(), Abort> {
    let (serials, maker) = seed_devices(run, 5).await?;
    let mut url = query(run, &format!("$top=2&$filter=manufacturer eq '{maker}'"));
    let mut seen: Vec<String> = Vec::new();
    for page_number in 1..=10 {
        let page = list(run, &format!("page {page_number}"), url.clone()).await?;
        let page_items = items(&page);
        run.expect(page_items.len() <= 2, rules::PAGING, || {
            format!(
                "page {page_number} has {} items with $top=2",
                page_items.len()
            )
        });
        seen.extend(
            page_items
                .iter()
                .filter_map(|d| d["serialNumber"].as_str().map(str::to_owned)),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    let mut expected = serials;
    expected.sort();
    run.expect(sorted == expected, rules::PAGING, || {
        format!(
            "following nextLink gave {}, expected each of {} once",
            wording::list(&seen),
            wording::list(&expected)
        )
    });
    Ok(())
}

async fn filter_serial(run: &mut CaseRun) -> Result<(), Abort> {
    let (serials, _) = seed_devices(run, 2).await?;
    let page = list(
        run,
        "filter by serial",
        query(run, &format!("$filter=serialNumber eq '{}'", serials[0])),
    )
    .await?;
    let found: Vec<String> = items(&page)
        .iter()
        .filter_map(|d| d["serialNumber"].as_str().map(str::to_owned))
        .collect();
    run.expect(found == [serials[0].clone()], rules::FILTER, || {
        format!(
            "$filter serialNumber eq gave {}, expected {}",
            wording::list(&found),
            serials[0]
        )
    });
    Ok(())
}

async fn filter_status_and_maker(run: &mut CaseRun) -> Result<(), Abort> {
    let (serials, maker) = seed_devices(run, 3).await?;
    let url = query(
        run,
        &format!("$filter=status eq 'available' and manufacturer eq '{maker}'"),
    );
    let page = list(run, "filter by status and manufacturer", url).await?;
    let found = items(&page);
    run.expect(found.len() == serials.len(), rules::FILTER, || {
        format!("{} devices match, expected {}", found.len(), serials.len())
    });
    run.expect(
        found.iter().all(|d| d["status"] == "available"),
        rules::FILTER,
        || "a device with another status passed $filter=status eq 'available'".to_owned(),
    );
    Ok(())
}

async fn select(run: &mut CaseRun) -> Result<(), Abort> {
    let (serials, _) = seed_devices(run, 1).await?;
    let url = query(
        run,
        &format!(
            "$select=id,serialNumber&$filter=serialNumber eq '{}'",
            serials[0]
        ),
    );
    let page = list(run, "select id and serialNumber", url).await?;
    for item in items(&page) {
        let keys: Vec<&String> = item
            .as_object()
            .map(|o| o.keys().filter(|k| !k.starts_with('@')).collect())
            .unwrap_or_default();
        run.expect(
            keys.len() == 2 && item["id"].is_string() && item["serialNumber"].is_string(),
            rules::SELECT,
            || {
                format!(
                    "$select=id,serialNumber returned properties {}",
                    wording::list(&keys)
                )
            },
        );
    }
    Ok(())
}

async fn count(run: &mut CaseRun) -> Result<(), Abort> {
    let (serials, maker) = seed_devices(run, 3).await?;
    let url = query(
        run,
        &format!("$count=true&$top=1&$filter=manufacturer eq '{maker}'"),
    );
    let page = list(run, "count with $top=1", url).await?;
    let counted = page["@odata.count"].as_u64();
    run.expect(counted == Some(serials.len() as u64), rules::COUNT, || {
        format!(
            "@odata.count is {}, expected {} (the whole filtered set, not the page)",
            wording::or_absent(counted),
            serials.len()
        )
    });
    Ok(())
}

async fn bad_top(run: &mut CaseRun) -> Result<(), Abort> {
    let url = query(run, "$top=many");
    let exchange = steps::admin_send(
        run,
        Op::ListDevices,
        Request::new("list with $top=many", Method::GET, url),
    )
    .await?;
    run.expect_status(&exchange, &[400], rules::BAD_QUERY);
    Ok(())
}

/// The `odata` group.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            Group::Odata,
            "paging-top-next-link",
            "$top=2 over five devices: nextLink followed until absent yields each once",
            rules::PAGING,
            script(|run: &mut CaseRun| Box::pin(paging(run))),
        )
        .writes(),
        Case::new(
            Group::Odata,
            "filter-serial-number",
            "$filter=serialNumber eq '...' returns exactly that device",
            rules::FILTER,
            script(|run: &mut CaseRun| Box::pin(filter_serial(run))),
        )
        .writes(),
        Case::new(
            Group::Odata,
            "filter-status-and-manufacturer",
            "$filter with status eq and manufacturer eq joined by and",
            rules::FILTER,
            script(|run: &mut CaseRun| Box::pin(filter_status_and_maker(run))),
        )
        .writes(),
        Case::new(
            Group::Odata,
            "select",
            "$select=id,serialNumber returns only those properties",
            rules::SELECT,
            script(|run: &mut CaseRun| Box::pin(select(run))),
        )
        .writes(),
        Case::new(
            Group::Odata,
            "count",
            "$count=true gives @odata.count of the whole filtered set",
            rules::COUNT,
            script(|run: &mut CaseRun| Box::pin(count(run))),
        )
        .writes(),
        Case::new(
            Group::Odata,
            "top-not-a-number",
            "$top=many -> 400",
            rules::BAD_QUERY,
            script(|run: &mut CaseRun| Box::pin(bad_top(run))),
        ),
    ]
}
