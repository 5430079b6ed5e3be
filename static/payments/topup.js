// The top-up page: mount Stripe's Payment Element with the page's publishable key and the
// top-up's client secret; when Stripe.js could not load (offline, blocked), say so plainly.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form) { return; }
  var offline = document.getElementById("stripe-offline");
  if (typeof window.Stripe !== "function") {
    offline.hidden = false;
    form.hidden = true;
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey, {locale: form.dataset.locale});
  var elements = stripe.elements({clientSecret: form.dataset.clientSecret});
  elements.create("payment").mount("#payment-element");
  var button = document.getElementById("pay-button");
  var message = document.getElementById("payment-message");
  button.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    stripe.confirmPayment({elements: elements,
                           confirmParams: {return_url: form.dataset.returnUrl}})
      .then(function (result) {
        if (result.error) {
          message.textContent = result.error.message || form.dataset.errorMessage;
          message.hidden = false;
          button.disabled = false;
        }
      });
  });
}());
