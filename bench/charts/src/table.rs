//! The figures to draw: the CSV that `bench/run --growth` writes, one point per line, read
//! into charts of labelled series.
//!
//! ```text
//! chart,title,x_label,y_label,series,x,y
//! rooms,Join and leave,rooms per socket,µs per operation,sockeye,10,1.9
//! ```
//! A field may be quoted ("a, b"; a quote inside doubled). An empty `y` is a point that was
//! not measured (a peer that cannot run the scenario): its series still gets a legend entry.

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub(crate) name: String,
    /// (x, y), sorted by x; only measured points.
    pub(crate) points: Vec<(f64, f64)>,
}

/// One picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    /// The file name's stem: letters, digits, `-` and `_` only.
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    pub(crate) series: Vec<Series>,
}

const HEADER: [&str; 7] = ["chart", "title", "x_label", "y_label", "series", "x", "y"];

/// Reads the CSV text into charts, in the order they first appear (series too).
pub(crate) fn parse(text: &str) -> Result<Vec<Chart>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, head)) = lines.next() else {
        return Err(
            "empty file: expected the header chart,title,x_label,y_label,series,x,y".into(),
        );
    };
    if split(head).map_err(|e| format!("line 1: {e}"))? != HEADER {
        return Err(format!(
            "line 1: expected the header {}, found {head:?}",
            HEADER.join(",")
        ));
    }
    let mut charts: Vec<Chart> = Vec::new();
    for (i, line) in lines {
        let at = |e: String| format!("line {}: {e}", i + 1);
        let f = split(line).map_err(at)?;
        let [id, title, x_label, y_label, series, x, y] = f.as_slice() else {
            return Err(at(format!("expected 7 fields, found {}", f.len())));
        };
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(at(format!(
                "chart {id:?}: a file name of letters, digits, - and _"
            )));
        }
        if series.is_empty() {
            return Err(at("empty series name".into()));
        }
        let x = number(x).map_err(|e| at(format!("x: {e}")))?;
        let y = if y.trim().is_empty() {
            None
        } else {
            Some(number(y).map_err(|e| at(format!("y: {e}")))?)
        };
        let chart = match charts.iter_mut().position(|c| c.id == *id) {
            Some(n) => &mut charts[n],
            None => {
                charts.push(Chart {
                    id: id.clone(),
                    title: title.clone(),
                    x_label: x_label.clone(),
                    y_label: y_label.clone(),
                    series: Vec::new(),
                });
                let n = charts.len() - 1;
                &mut charts[n]
            }
        };
        let s = match chart.series.iter_mut().position(|s| s.name == *series) {
            Some(n) => &mut chart.series[n],
            None => {
                chart.series.push(Series {
                    name: series.clone(),
                    points: Vec::new(),
                });
                let n = chart.series.len() - 1;
                &mut chart.series[n]
            }
        };
        if let Some(y) = y {
            s.points.push((x, y));
        }
    }
    for c in &mut charts {
        for s in &mut c.series {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
    }
    Ok(charts)
}

/// A positive finite number: every axis here is logarithmic, or starts at zero.
fn number(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) => Err(format!("{v} is not a positive number")),
        Err(_) => Err(format!("{s:?} is not a number")),
    }
}

/// Splits one CSV line into its fields.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            (false, '"') => return Err("a quote inside an unquoted field".into()),
            (false, c) if was_quoted => {
                return Err(format!("{c:?} after a quoted field's closing quote"));
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(cur);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "chart,title,x_label,y_label,series,x,y\n";

    #[test]
    fn groups_points_into_charts_and_series_in_order() {
        let csv = format!(
            "{HEAD}a,A,x,y,sockeye,100,2\na,A,x,y,node,10,3\na,A,x,y,sockeye,10,1\nb,B,x,y,node,1,1\n"
        );
        let charts = parse(&csv).unwrap_or_default();
        assert_eq!(charts.len(), 2);
        assert_eq!(charts[0].series[0].name, "sockeye");
        assert_eq!(charts[0].series[0].points, vec![(10.0, 1.0), (100.0, 2.0)]);
        assert_eq!(charts[0].series[1].name, "node");
        assert_eq!(charts[1].id, "b");
    }

    #[test]
    fn an_empty_y_keeps_the_series_without_a_point() {
        let charts = parse(&format!("{HEAD}a,A,x,y,node,10,\n")).unwrap_or_default();
        assert_eq!(charts[0].series[0].points, Vec::new());
    }

    #[test]
    fn quoted_fields_hold_commas_and_quotes() {
        assert_eq!(
            split(r#"a,"b, ""c""",d"#),
            Ok(vec!["a".into(), "b, \"c\"".into(), "d".into()])
        );
        assert!(split(r#"a,"b"#).is_err());
        assert!(split(r#"a,b"c"#).is_err());
        assert!(split(r#"a,"b"c"#).is_err());
    }

    #[test]
    fn bad_input_is_an_error_that_names_the_line() {
        for (body, want) in [
            ("", "empty file"),
            ("x,y\n", "line 1"),
            ("a,A,x,y,s,10\n", "line 2: expected 7 fields"),
            ("a,A,x,y,s,ten,1\n", "line 2: x: \"ten\" is not a number"),
            ("a,A,x,y,s,0,1\n", "line 2: x: 0 is not a positive number"),
            ("a,A,x,y,s,1,-1\n", "line 2: y: -1 is not a positive number"),
            ("a,A,x,y,s,1,NaN\n", "not a positive number"),
            ("../a,A,x,y,s,1,1\n", "a file name"),
            ("a,A,x,y,,1,1\n", "empty series"),
        ] {
            let text = if body.is_empty() || body.starts_with("x,y") {
                body.to_owned()
            } else {
                format!("{HEAD}{body}")
            };
            match parse(&text) {
                Ok(c) => panic!("{body:?} parsed: {c:?}"),
                Err(e) => assert!(e.contains(want), "{body:?}: {e}"),
            }
        }
    }
}
