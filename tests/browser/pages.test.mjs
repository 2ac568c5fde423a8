// pages.test.mjs - outreach's web pages in a real browser: Debian's headless
// Chromium driven by playwright-core, every page checked with axe-core (no
// serious or critical violations) and photographed at 375 and 1280 px.
//
// usage: node pages.test.mjs BASE_URL UNSUBSCRIBE_URL PREFERENCES_URL SIGNUP_URL SHOTS_DIR
//
// It drives the flows a subscriber goes through and prints TAP; the calling
// script (tests/e2e/browser.sh) checks the database between the steps, told
// by lines "# step NAME" on standard output and answered on standard input.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import * as readline from 'node:readline';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axePath = require.resolve('axe-core');

const [base, unsubUrl, prefsUrl, signupUrl, shots] = process.argv.slice(2);
// The same public list's opportunities page (/s/SLUG's list at /l/SLUG/opportunities).
const oppsUrl = signupUrl.replace('/s/', '/l/') + '/opportunities';
mkdirSync(shots, { recursive: true });

let n = 0, failed = 0;
const ok = (cond, what) => {
	n++;
	if (cond) console.log(`ok ${n} - ${what}`);
	else { failed++; console.log(`not ok ${n} - ${what}`); }
};
const rl = readline.createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
// step - let the shell check the database now; its answer is a TAP-ready verdict.
async function step(name) {
	console.log(`# step ${name}`);
	const { value } = await lines.next();
	const [verdict, ...what] = (value || 'fail no answer').split(' ');
	ok(verdict === 'pass', `${name}: ${what.join(' ')}`);
}

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// check - axe on the page as it is, and screenshots at both widths.
async function check(page, name) {
	await page.addScriptTag({ path: axePath });
	const result = await page.evaluate(async () => await axe.run());
	const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
	ok(bad.length === 0, `${name}: no serious or critical accessibility violations` +
	   (bad.length ? ` (${bad.map(v => v.id + ': ' + v.nodes.map(x => x.target).join(' ')).join('; ')})` : ''));
	for (const width of [375, 1280]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
		// Nothing wider than the screen: the page is usable on a phone.
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		ok(overflow <= 0, `${name} at ${width} px: no horizontal scrolling (${overflow} px)`);
	}
	await page.setViewportSize({ width: 1280, height: 900 });
}

try {
	// The pages have no script (their CSP forbids it); axe is injected past the CSP.
	const context = await browser.newContext({ bypassCSP: true });
	const page = await context.newPage();
	const external = [];
	page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url()); });

	// Unsubscribe: loading the link changes nothing; the button does.
	let r = await page.goto(unsubUrl);
	ok(r.status() === 200, 'the unsubscribe link opens (200)');
	ok(await page.getByRole('heading', { name: /Unsubscribe from/ }).isVisible(), 'it asks before unsubscribing');
	await check(page, 'unsubscribe');
	await step('unsubscribe-get-changes-nothing');
	await page.getByRole('button', { name: 'Unsubscribe' }).click();
	ok(await page.getByRole('heading', { name: 'You are unsubscribed' }).isVisible(), 'clicking shows the confirmation');
	await check(page, 'unsubscribed');
	await step('unsubscribed');
	await page.getByRole('button', { name: /by mistake/ }).click();
	ok(await page.getByText('You are subscribed again').isVisible(), 'and "by mistake" resubscribes');
	await step('resubscribed');

	// The keyboard alone reaches and presses the button.
	await page.goto(unsubUrl);
	let focused = '';
	for (let i = 0; i < 6 && focused !== 'Unsubscribe'; i++) {
		await page.keyboard.press('Tab');
		focused = await page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
	}
	ok(focused === 'Unsubscribe', 'the button is reached with the keyboard');

	// Preferences: change topics and frequency.
	r = await page.goto(prefsUrl);
	ok(r.status() === 200, 'the preference centre opens');
	await check(page, 'preferences');
	await page.getByLabel('Network meetings').check();
	await page.getByLabel('STEM forums').check();
	await page.getByLabel('A weekly digest').check();
	await page.getByLabel('Your name').fill('Ada B. Lovelace');
	await page.getByRole('button', { name: 'Save my preferences' }).click();
	ok(await page.getByText('Saved').isVisible(), 'saving says so');
	await check(page, 'preferences-saved');
	await step('preferences-saved');

	// Sign-up through the form; the confirmation link comes back by mail.
	r = await page.goto(signupUrl);
	ok(r.status() === 200, 'the sign-up form opens');
	await check(page, 'signup');
	const trap = await page.locator('#website').boundingBox();
	ok(trap && trap.x + trap.width <= 0, 'the honeypot field is off the screen');
	await page.getByLabel('Email address').fill('browser.signup@school.example');
	await page.getByLabel('Your name (optional)').fill('Sam Signup');
	await page.getByLabel('Internships, jobs and work-based learning').check();
	await page.getByRole('button', { name: 'Subscribe' }).click();
	ok(await page.getByRole('heading', { name: 'Check your inbox' }).isVisible(), 'the form answers: check your inbox');
	await check(page, 'signup-sent');
	console.log('# step confirm-link');
	const { value: confirmUrl } = await lines.next();
	r = await page.goto(confirmUrl);
	ok(r.status() === 200, 'the confirmation link from the mail opens');
	await check(page, 'confirm');
	await step('confirm-get-changes-nothing');
	await page.getByRole('button', { name: 'Confirm my subscription' }).click();
	ok(await page.getByRole('heading', { name: 'You are subscribed' }).isVisible(), 'confirming says so');
	await check(page, 'confirmed');
	await step('confirmed');

	// The list's public opportunities page, with its feed named in the head.
	r = await page.goto(oppsUrl);
	ok(r.status() === 200, 'the opportunities page opens');
	ok(await page.getByRole('heading', { name: 'Open opportunities' }).isVisible(), 'it has its heading');
	ok(await page.locator('head link[rel="alternate"][type="application/atom+xml"]').count() === 1,
	   'it names its Atom feed in the head');
	ok(await page.getByRole('link', { name: /feed reader/ }).isVisible(), 'and links to the feed');
	await check(page, 'opportunities');

	// A broken link gets a clear page, not a crash.
	r = await page.goto(unsubUrl.slice(0, -3) + 'aaa');
	ok(r.status() === 403, 'an altered link is refused (403)');
	await check(page, 'forbidden');

	ok(external.length === 0, 'no page loaded anything from elsewhere' + (external.length ? ': ' + external.join(' ') : ''));
	let scripts = 0;
	for (const u of [unsubUrl, prefsUrl, signupUrl, oppsUrl])
		scripts += ((await (await page.request.get(u)).text()).match(/<script/gi) || []).length;
	ok(scripts === 0, 'the pages carry no script of their own');
	await context.close();

	// Without JavaScript at all, the buttons still work.
	const plain = await browser.newContext({ javaScriptEnabled: false });
	const p2 = await plain.newPage();
	await p2.goto(unsubUrl);
	await p2.getByRole('button', { name: 'Unsubscribe' }).click();
	ok(await p2.getByRole('heading', { name: 'You are unsubscribed' }).isVisible(), 'without JavaScript the unsubscribe button works');
	await step('unsubscribed-without-javascript');
	await plain.close();
} catch (e) {
	ok(false, 'the browser run: ' + e.message.split('\n')[0]);
} finally {
	await browser.close();
	rl.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
