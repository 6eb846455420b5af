/* Confide widget loader (see README.md): a classic async script that replays the queue
   snippet's calls and, once the page is parsed, imports the widget's modules next to it;
   it hands init the theme of its own tag's data- attributes. */
(function () {
  'use strict';
  var me = document.currentScript;
  var base = me && me.src ? me.src : location.href;
  var prev = window.Confide;
  var queue = (prev && prev.q) || [];
  var loading = null;

  function ready() {
    return new Promise(function (resolve) {
      if (document.readyState !== 'loading') return setTimeout(resolve);
      document.addEventListener('DOMContentLoaded', function () { setTimeout(resolve); }, { once: true });
    });
  }

  function call(name) {
    return function () {
      var args = arguments;
      if (!loading) loading = ready().then(function () { return import(new URL('app.js', base).href); });
      return loading.then(function (app) { return app[name].apply(null, args); });
    };
  }

  // The snippet's theme: data-name, data-logo, data-accent, data-welcome,
  // data-hours and data-crisis (a JSON list) on this script tag; it wins
  // over init's theme (the stack's config.json), field by field.
  var d = (me && me.dataset) || {};
  var snippet = { name: d.name, logo: d.logo, accent: d.accent, welcome: d.welcome, hours: d.hours, crisis: d.crisis };

  var api = { version: 1 };
  ['init', 'refresh', 'open', 'close', 'destroy', 'exit'].forEach(function (name) { api[name] = call(name); });
  var init = api.init;
  api.init = function (o) { return init(Object.assign({}, o, { snippetTheme: snippet })); };
  window.Confide = api;
  queue.forEach(function (entry) {
    api[entry[0]].apply(null, entry[1] || []);
  });
})();
