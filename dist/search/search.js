// The search page's script (outputs/search.py). It asks each year's SQLite FTS5 index
// (search/YYYY.sqlite3), newest year first, through sql.js-httpvfs, which reads the pages
// a query needs by HTTP range requests; it stops once a page of results is found and
// offers the older years on request. Result text is set with textContent only: an
// article's words never become markup.
(function () {
  "use strict";

  var PAGE = 20;
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("results");
  var more = document.getElementById("more");
  var here = new URL(".", document.baseURI);
  var state = null; // {query, next: index of the next year to ask, found}
  var opened = null; // a promise of {worker, years}
  var running = Promise.resolve();

  document.getElementById("no-script").hidden = true;
  form.hidden = false;

  // Workers that query in parallel, each with its share of the years: a query that
  // finds little reaches every year, and one worker asks them one at a time.
  var WORKERS = 3;
  // What one worker may read of the indexes for one search (or one "older years"): a
  // query that would read more (a very common word filtered by field, say, which reads
  // the word's whole list) stops with a message instead of downloading megabytes.
  var BUDGET = window.searchBudget || 1 << 20; // (a test sets a smaller one)
  var MIN_SHARE = 48 << 10; // about what opening one more year's index takes
  var TOO_MUCH = "That search would read more than 1 MB of the index: add a less common word or a phrase.";

  // `fresh`: ask the server again for the list (after a search failed: a deploy may have
  // replaced an index the list named).
  function open(fresh) {
    if (opened === null) {
      var options = fresh ? { cache: "no-cache" } : {};
      opened = fetch(new URL("index.json", here), options).then(function (response) {
        if (!response.ok) throw new Error("index.json: HTTP " + response.status);
        return response.json();
      }).then(function (listing) {
        var years = listing.years;
        var count = Math.min(WORKERS, years.length);
        var started = [];
        for (var w = 0; w < count; w++) started.push(startWorker(years, w, count));
        return Promise.all(started).then(function (workers) {
          years.forEach(function (year, index) {
            year.worker = workers[index % count];
            // Each worker's first year is its main database; it attaches the others in
            // turn (SQLite attaches at most ten at once).
            year.schema = index < count ? "main" : "y" + year.year;
          });
          return { years: years };
        });
      }).catch(function (error) {
        opened = null; // the next search tries again
        throw error;
      });
    }
    return opened;
  }

  function startWorker(years, first, step) {
    var configs = [];
    for (var index = first; index < years.length; index += step) {
      var year = years[index];
      configs.push({
        from: "inline",
        virtualFilename: "y" + year.year,
        config: { serverMode: "full", requestChunkSize: 4096, url: new URL(year.url, here).href },
      });
    }
    return window.createDbWorker(
      configs,
      new URL("sqlite.worker.js", here).href,
      new URL("sql-wasm.wasm", here).href,
      BUDGET
    );
  }

  // The reader's words as an FTS5 query: "quoted phrases" kept, every other word quoted,
  // so no character the reader types is FTS5 syntax, but for a field name put before a
  // word or phrase (authors:lavrov, title: "a phrase"). All terms must match.
  function ftsQuery(text) {
    var terms = [];
    var pattern = /(?:\b(title|authors|lead|body):\s*)?(?:"([^"]*)"|(\S+))/gi;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var term = (match[2] !== undefined ? match[2] : match[3]).trim();
      if (!term) continue;
      var field = match[1] ? match[1].toLowerCase() + " : " : "";
      terms.push(field + '"' + term.replace(/"/g, '""') + '"');
    }
    return terms.join(" ");
  }

  var DETAILS =
    "SELECT page, title, authors, date, " +
    "snippet(t.articles, -1, char(2), char(3), '…', 24) AS snippet";

  // Run `sql` (with its table as t) against one year's index.
  function ask(year, sql, params) {
    var db = year.worker.db;
    var text = sql.replace("TABLE", year.schema + ".articles AS t");
    if (year.schema === "main") return db.query(text, params);
    return db.exec("ATTACH DATABASE ? AS " + year.schema, [year.schema]).then(function () {
      return db.query(text, params).finally(function () {
        return db.exec("DETACH DATABASE " + year.schema);
      });
    });
  }

  // The rowids of up to `limit` matches of a year, newest first. Rows go in by date, so
  // this reads the last pages of each term's doclist only (a ranked order would read
  // all of it: a common word's doclist is megabytes).
  function matches(year, query, limit, before) {
    var below = before === null ? "" : " AND t.rowid < " + Number(before);
    var sql = "SELECT t.rowid AS id FROM TABLE WHERE t.articles MATCH ?" + below +
      " ORDER BY t.rowid DESC LIMIT " + limit;
    return ask(year, sql, [query]).then(function (rows) {
      return rows.map(function (row) { return row.id; });
    });
  }

  // What the results show of those matches (their text is read for these rows only).
  function details(year, query, ids) {
    if (ids.length === 0) return Promise.resolve([]);
    var sql = DETAILS + " FROM TABLE WHERE t.articles MATCH ? AND t.rowid IN (" +
      ids.map(Number).join(",") + ") ORDER BY t.rowid DESC";
    return ask(year, sql, [query]);
  }

  function show(rows) {
    rows.forEach(function (row) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = new URL("../" + row.page, here).href;
      link.textContent = row.title;
      link.className = "title";
      var meta = document.createElement("p");
      meta.className = "meta";
      var time = document.createElement("time");
      time.dateTime = row.date;
      time.textContent = row.date;
      meta.appendChild(time);
      if (row.authors) meta.appendChild(document.createTextNode(" · " + row.authors));
      var snippet = document.createElement("p");
      snippet.className = "snippet";
      // char(2) and char(3) mark the matched words: split on them, never parse HTML.
      String(row.snippet).split("\u0002").forEach(function (part, n) {
        var pieces = part.split("\u0003");
        if (n > 0 && pieces.length > 1) {
          var mark = document.createElement("mark");
          mark.textContent = pieces.shift();
          snippet.appendChild(mark);
        }
        snippet.appendChild(document.createTextNode(pieces.join("")));
      });
      item.append(link, meta, snippet);
      list.appendChild(item);
    });
  }

  function say(text) {
    status.textContent = text;
  }

  // Ask the next years (the newest alone, then one per worker at once) until a page of
  // results is found; show them in year order. `s.next` is the year to go on from and
  // `s.before` the rowid to go on below in it (a year cut off by a full page).
  function searchOn(fresh) {
    return open(fresh).then(function (opened) {
      var years = opened.years;
      var s = state;
      function step() {
        if (s !== state) return null; // a newer search started
        if (s.next >= years.length || s.page >= PAGE) return finish(years, s);
        // Fewer years at once when little of the budget is left; none: stop here.
        var room = Math.floor((BUDGET - s.spent) / MIN_SHARE);
        if (room < 1) return finish(years, s, true);
        var wave = years.slice(s.next, s.next + Math.min(s.next === 0 ? 1 : WORKERS, room));
        var last = wave[wave.length - 1].year;
        say("Searching " + wave[0].year + (wave.length > 1 ? "–" + last : "") + "…");
        var limit = PAGE - s.page;
        // The wave's share of what is left of the budget, given to each of its workers (a
        // worker refuses a read past BUDGET, so it starts this far below it).
        var share = Math.floor((BUDGET - s.spent) / wave.length);
        wave.forEach(function (year) {
          year.worker.worker.bytesRead = BUDGET - share;
        });
        // One more than fits: whether a year has more is known without another query.
        return Promise.all(wave.map(function (year, n) {
          return matches(year, s.query, limit + 1, n === 0 ? s.before : null);
        })).then(function (found) {
          var plan = [];
          var left = limit;
          var next = s.next + wave.length;
          var before = null;
          for (var n = 0; n < wave.length; n++) {
            var take = found[n].slice(0, left);
            if (take.length < found[n].length) { // this year goes on past the page
              next = s.next + n;
              if (take.length > 0) {
                plan.push(take);
                before = take[take.length - 1];
              } else if (n === 0) {
                before = s.before;
              }
              break;
            }
            plan.push(take);
            left -= take.length;
          }
          return Promise.all(plan.map(function (ids, n) {
            return details(wave[n], s.query, ids);
          })).then(function (rows) {
            if (s !== state) return null;
            rows.forEach(function (list, n) {
              show(list);
              s.found += list.length;
              s.page += list.length;
            });
            s.next = next;
            s.before = before;
            return Promise.all(wave.map(function (year) {
              return year.worker.worker.bytesRead;
            })).then(function (read) {
              read.forEach(function (bytes) {
                s.spent += bytes - (BUDGET - share);
              });
              return step();
            });
          });
        });
      }
      return step();
    });
  }

  // `paused`: the budget ran out before the last year ("older years" goes on with a new one).
  function finish(years, s, paused) {
    var rest = s.next < years.length;
    status.dataset.elapsed = String(Math.round(performance.now() - s.started));
    if (paused) {
      var back = years[Math.max(s.next - 1, 0)].year;
      say(s.found + " result" + (s.found === 1 ? "" : "s") + " for " + s.text + " from " +
        years[0].year + " back to " + back + "; stopped there to read no more than 1 MB.");
    } else if (s.found === 0) {
      say("No results for " + s.text + ".");
    } else {
      var reached = s.before !== null ? years[s.next].year : years[s.next - 1].year;
      var plural = s.found === 1 ? "" : "s";
      var span = !rest ? "" : reached === years[0].year ? ", in " + reached : ", " + years[0].year + " back to " + reached;
      say(s.found + " result" + plural + " for " + s.text + span + ", newest first.");
    }
    more.hidden = !rest;
    return null;
  }

  // A search, tried again once from the start with the list fetched anew if it fails.
  function attempt() {
    var s = state;
    return searchOn(false).catch(function (error) {
      if (s === state && overBudget(error) && s.next > 0) {
        // A wave went past the budget: show what the years before it found, and let
        // "older years" ask that wave again with a budget of its own.
        return open(false).then(function (opened) {
          return finish(opened.years, s, true);
        });
      }
      if (s !== state || s.retried || overBudget(error)) throw error;
      s.retried = true;
      opened = null;
      list.textContent = "";
      s.next = 0;
      s.before = null;
      s.found = 0;
      s.page = 0;
      s.spent = 0;
      return searchOn(true);
    });
  }

  function search(text) {
    var query = ftsQuery(text);
    list.textContent = "";
    more.hidden = true;
    if (!query) {
      state = null;
      say("Type one or more words; put a phrase in double quotes.");
      return;
    }
    state = { text: "“" + text.trim() + "”", query: query, next: 0, before: null, found: 0, page: 0, started: performance.now(), spent: 0 };
    running = running.then(attempt).catch(fail);
  }

  // The worker refuses a read past its budget with an I/O error of SQLite's.
  function overBudget(error) {
    return /disk I\/O error/.test(String(error && error.message ? error.message : error));
  }

  function fail(error) {
    if (overBudget(error)) {
      say(TOO_MUCH);
      more.hidden = true;
      return;
    }
    say("Search failed: " + (error && error.message ? error.message : error));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url);
    search(input.value);
  });

  more.addEventListener("click", function () {
    if (state === null) return;
    more.hidden = true; // until this step is done
    say("Searching older years…");
    state.page = 0;
    state.spent = 0;
    state.started = performance.now();
    running = running.then(attempt).catch(fail);
  });

  // Start the workers while the reader types: the first query then only reads indexes.
  open(false).catch(fail);
  var initial = new URL(window.location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
