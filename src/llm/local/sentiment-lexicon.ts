// Word lists for the offline sentiment classifier (offline-sentiment.ts).
//
// Written for this project. The categories follow the well-known public lexicons — VADER's
// valence scale (about -4..+4) and Loughran–McDonald's finance categories (negative,
// positive, litigious, uncertainty) — but the lists and weights here are our own and kept
// compact: some hundreds of everyday, review, news and finance words, not thousands.
//
// Lists are whitespace-separated strings so a word can be added by editing one line.
// Multi-word entries use `_` between tokens ("laid_off") and are matched as phrases; the
// tokens are those the tokenizer produces, so "doesn't work" is written `n't_work`.
// Words are lower case. The classifier also tries simple inflections (-s, -ed, -ing, -ly,
// -er, -est) of a word that is not listed, so base forms are usually enough; list an
// inflected form explicitly when it means something else ("fines" is a penalty).

/** A list of words or phrases sharing one weight. */
export type WeightedList = ReadonlyArray<readonly [number, string]>;

/** Split a whitespace-separated word list. */
export function words(list: string): string[] {
  return list.trim().split(/\s+/);
}

// ---------------------------------------------------------------------------------------
// Valence: words that carry sentiment on their own, grouped by strength (VADER-like scale).
// ---------------------------------------------------------------------------------------

export const POSITIVE_WORDS: WeightedList = [
  [3.2, `amazing awesome excellent exceptional fantastic flawless incredible magnificent
    marvelous marvellous outstanding perfect perfectly phenomenal spectacular splendid
    superb terrific wonderful brilliant exquisite breathtaking love loved loves adore
    adored delightful delicious heavenly stellar`],
  [2.6, `great best beautiful gorgeous stunning lovely impressive impressed enjoy enjoyed
    enjoyable happy glad pleased delighted thrilled grateful thankful recommend
    recommended fabulous tasty yummy favorite favourite fun exciting excited remarkable
    success successful triumph celebrate praised admire admired charming elegant spotless
    win won winning congratulations bravo superior highly_recommend`],
  [1.9, `good nice better friendly helpful kind polite attentive welcoming comfortable
    cozy cosy fresh easy intuitive reliable sturdy durable smooth efficient effective
    satisfied satisfying pleasant appreciate appreciated thanks thank strong stronger
    strongest robust improve improved improvement improvements improving benefit
    beneficial boost boosted profitable healthy recovery recovered rebound rebounded
    upgrade upgraded upbeat optimistic hopeful promising progress advantage innovative
    valuable worthwhile useful generous affordable bargain resolved solved rescued relief
    relieved award awarded prize breakthrough exceeded exceed outperform outperformed
    outperforming surpass surpassed excel gain gains gained flourishing thriving booming
    boom prosperous upturn turnaround milestone accurate seamless convenient responsive
    courteous knowledgeable flavorful flavourful juicy crispy spacious gem hassle-free
    painless handy ideal safely alive survived favourable favorable bullish liked likes
    enjoys pleasure proud honored honoured positive live_up_to lived_up_to lives_up_to
    strengthen strengthened strengthening strengthens bolster bolstered bolsters
    bolstering expand expanded expansion expanding`],
  [1.2, `decent fair reasonable solid clean quick fast safe
    secure stable enhance enhanced welcome welcomed succeed succeeded achieve achieved
    achievement accomplished popular upside cool neat sweet smile smiling laugh peace
    bonus perk cheerful prompt promptly professional authentic opportunity opportunities
    leading leader synergies synergy buyback record efficiency competitive growth growing
    selected chosen optimism confident recommendation acceptable agreed cheers yay wow
    progressed modern fix fixed fixes fixing well`],
  [0.6, `free works worked`],
  // Reviews of films, products and restaurants: the words critics and customers judge with.
  // Left out on purpose: words with a neutral business sense ("appeal", "original",
  // "derivative", "gross", "crude", "flat", "mean", "sharp", "moving").
  [3.2, `masterpiece masterful superlative sublime dazzling riveting gripping mesmerizing
    mesmerising enchanting exhilarating  unforgettable astonishing astounding
    miraculous glorious transcendent awe-inspiring jaw-dropping ingenious top-notch
    first-rate world-class must-see must-have unbeatable heartwarming captivating
    spellbinding scrumptious sensational genius brilliance exceptionally amazed amazes
    impeccable impeccably perfection tour_de_force top_notch`],
  [2.6, `compelling engaging entertaining fascinating funny hilarious witty clever
    touching poignant heartfelt inventive imaginative intelligent insightful thoughtful
    thought-provoking stylish sophisticated refreshing   joy joyous joyful
    vibrant vivid rewarding irresistible well-crafted well-acted well-written well-done
    well-made well-designed well-built wise wisdom uplifting  inspirational
     amusing likable likeable lovable loveable adorable succulent mouth-watering
     enjoyably wonderfully beautifully terrifically excellently gem-like`],
  [1.9, `   competent worthy commendable admirable memorable
     absorbing watchable pleasing polished assured sincere  earnest
    subtle nuanced refined tasteful  courage courageous brave bold
    encouraging lovingly   speedy crisp sleek cute sexy comfy
    user-friendly hearty  charm humor humour humorous warmth grace graceful lively
    playful handsome elegantly skillful skilful skilfully skillfully smart sharp-witted
    suspenseful moving_and engrossing evocative lyrical haunting resonant honest
    satisfies satisfy entertains entertained amuses charms delivers excels shines
    sparkles sparkling soulful fortunately startling delicately buoyant potent unflinching
    unforced sly integrity intoxicating stirring miracle wry vitality droll understated
    audacious hypnotic`],
  [1.2, `captures bittersweet undeniably uncompromising distinctive sympathetic timely
    faithful functional non-issue warm rich lightweight straightforward homemade respectable serviceable interesting
    capable intriguing powerful versatile appealing`],
  [1.9, `inspiring`],
];

export const NEGATIVE_WORDS: WeightedList = [
  [3.2, `terrible horrible awful horrendous atrocious appalling abysmal dreadful
    disgusting worst hate hated hates loathe pathetic useless worthless disaster
    disastrous catastrophe catastrophic nightmare scam fraud fraudulent inedible
    unacceptable outrageous furious rubbish garbage trash devastating devastated tragic
    tragedy killed kill killing deadly fatal massacre murder murdered horrific bankrupt
    bankruptcy insolvent insolvency unusable sucks`],
  [2.6, `bad poor rude dirty filthy broken default defaulted collapse collapsed crash
    crashed crashing fail failed failing fails failure failures disappointing
    disappointed disappointment disappoint disappoints angry upset annoyed annoying
    frustrated frustrating frustration sad unhappy miserable hurt injured dead death
    deaths died die dies destroyed destruction damaged defective faulty scandal
    corruption crisis recession layoffs layoff redundancies unemployed jobless overpriced
    ripoff rip-off incompetent unprofessional cheated liquidation receivership terror
    terrorist terrorism bomb bombing shooting ruined ruin crap crappy smelly mouldy moldy
    cockroach cockroaches stolen nasty lay-off lay-offs close-down redundant liquidated
    liquidate stole stealing thieves thief bogus fake counterfeit toxic powerless`],
  [1.9, `worse worsen worsened worsening deteriorate deteriorated deteriorating
    deterioration weak weaker weakest weakness weakened weakening regret regretted
    complaint complaints complain complained ignored ignoring dismissive unhelpful
    careless mess messy chaos chaotic flawed buggy glitch glitches problem problems
    trouble troubled struggle struggling struggled difficult difficulty difficulties
    theft robbery attack attacked war violence violent conflict threat threatened
    dangerous danger downgrade downgraded fined fines penalty penalties impairment
    impairments writedown writedowns write-off write-downs shutdown closure closures
    delay delays delayed cancelled canceled cancellation lose losing loses lost loss
    losses shortage shortages shortfall slump slowdown downturn sluggish unfortunately
    unfortunate sadly wrong stale overcooked undercooked burnt flimsy boring bored
    tedious pointless missed overcharged hostile arrogant ugly awkward uncomfortable
    painful sick disease injury injuries flood flooding drought famine poverty accused
    guilty convicted crime criminal riot clash clashes clashed breach hacked outage leak
    leaking spoiled embarrassing shame shameful mediocre subpar lackluster lacklustre
    underwhelming underwhelmed inferior unreliable misleading loss-making unprofitable
    underperform underperformed bearish sell-off selloff downsizing cutbacks redundancy
    dismissal dismissals lawsuit sued litigation suffer suffered suffering scrapped
    protest protests worry worried worrying fear fears feared afraid anxious panic
    victims victim casualties fatalities bleak grim dismal warning warned warns negative
    terminate terminated termination terminating violated violation violations leakage
    closed_down close_down will_close would_close has_closed shut dismissed dismiss
    stressful depressed depressing burdened grievance devalue devalued devaluation
    oversupply overcapacity hamper hampered hinder hindered plagued bribery infringement
    infringed alleged allegations unsuccessful threaten threatens threatening poorest
    fine_of pay_a_fine in_red hack harsh hit_by hit_hard hard_hit badly_hit`],
  [1.2, `slow bland noisy cramped expensive confusing confused complicated lacking
    missing miss late uncertainty uncertain volatile volatility risk risks risky dispute
    disputes tension tensions sanction sanctions ban banned probe recall recalled halt
    halted suspend suspended suspension strike strikes deficit stagnant stagnation
    downtime bugs errors error inconvenience inconvenient hassle unpaid overdue bailout
    delisted pain storm hurricane earthquake wildfire evacuated arrested arrest jail
    prison homeless resigned resignation fired sacked challenging challenges pressure
    pressures adverse harm harmful disruption disrupted lawsuits struggles obstacles
    weighed concerns concerned greasy salty soggy pricey mistake mistakes rejected
    refused stuck disappeared interrupted stopped stoppage disagree invalid impacted
    adversely inconsistent suspected suspect tough unable inability idle idled laborious
    prosecutor investigation`],
  [0.6, `cold nobody no_one lack lacks lacked problematic doubt doubts questionable
    unclear`],
  // Reviews of films, products and restaurants (see the note in POSITIVE_WORDS).
  [3.2, `unwatchable unbearable insufferable excruciating drivel dreck mind-numbing
    moronic witless idiotic abomination stinker travesty`],
  [2.6, `vapid inane joyless dud stupidity junk shoddy inept stupid dumb lame lousy crummy junky unfunny lifeless soulless
    amateurish obnoxious trashy contemptuous contempt disgust disgusted repulsive
    revolting insulting insulted unwatchably dull`],
  [1.9, `tiresome humorless humourless hollow shallow forgettable predictable cliched
    clichéd cliché clichés formulaic trite hackneyed contrived pretentious self-indulgent
    overlong overwrought overblown overdone bloated muddled incoherent clumsy clumsily
    sloppy ridiculous laughable preposterous unconvincing uninspired uninteresting
    unimaginative unoriginal unpleasant irritating offensive distasteful tasteless
    exploitative sleazy vulgar manipulative heavy-handed disjointed plodding ponderous
    dreary drab wasted malfunction malfunctioned malfunctions glitchy laggy unresponsive
    overheats overheating cracked annoyance headache nuisance flaw flaws inattentive
    unfriendly rubbery disrespected unforgivable unforgivably  mess_of
    sanitised sanitized stagey stagy unwieldy fuddled incompetence badness fussy
    lukewarm sadistic gimmicky cheaply half-assed listless tepid limp froze freezes
    skimped skimp skimps shortcoming shortcomings nonresponsive misfire misfires banal
    exhausting leaden mired numbingly stilted grating monotonous unlikable unfocused devoid
    meandering retread rehash labored laboured mindless preachy superficial lazy
    inconsequential clunky unsatisfying shapeless nonsensical ludicrous convoluted
    meaningless crass embarrassment misery bogged_down bogs_down`],
  [1.2, `cheesy corny silly absurd implausible sour bitter sappy saccharine schmaltzy
    mawkish jumble uneven choppy shaky tired drawback drawbacks downside downsides
    scratched fragile sorry peculiar odd padded unnecessary mediocrity unpredictable stiff
    strained vague hastily alas wannabe hokey murky telegraphed`],
];

// ---------------------------------------------------------------------------------------
// Hedges: middling verdicts. "It's an okay phone" is neither praise nor complaint, so these
// weigh far less than a mild word ("decent", 1.2) and leave a short text neutral on their
// own; next to a clear word they barely move it ("okay, but the battery died" is negative).
// ---------------------------------------------------------------------------------------

export const HEDGES: WeightedList = [
  [0.3, `okay ok alright all_right fine adequate acceptable passable tolerable average
    so-so so_so does_the_job did_the_job as_expected as_advertised`],
  [0, `it_is_what_it_is middle_of_the_road run_of_the_mill nothing_more_nothing_less
    neither_good_nor_bad not_great_not_terrible not_good_not_bad`],
  [-0.6, `nothing_special nothing_spectacular nothing_remarkable nothing_great
    nothing_amazing nothing_fancy nothing_exceptional nothing_outstanding nothing_to_write_home_about
    nothing_to_rave_about not_the_best hit_or_miss hit_and_miss mixed_bag mixed_feelings
    could_be_better could_have_been_better meh`],
];

// ---------------------------------------------------------------------------------------
// Phrases with their own valence (idioms, and finance set phrases).
// ---------------------------------------------------------------------------------------

export const PHRASES: WeightedList = [
  [2.8, `works_like_a_charm worth_every_penny above_and_beyond better_than_expected
    better_than_anticipated five_stars 5_stars`],
  [2.0, `not_bad_at_all n't_bad_at_all no_problems_at_all ca_n't_go_wrong cannot_go_wrong
    wo_n't_regret wo_n't_be_disappointed not_disappointed
    n't_disappointed a_plus big_plus highly_recommended
    worth_it worth_the_money worth_the_price worth_the_wait worth_the_trip
    worth_the_visit value_for_money thumbs_up be_back come_back_again n't_complain
    no_complaints well_made well_worth step_forward on_track back_to_normal
    returned_to_profit return_to_profit back_in_the_black back_to_profit
    stronger_than_expected higher_than_expected performed_well doing_well went_well`],
  [-2.0, `returned_it return_it returning_it sent_it_back send_it_back took_it_back
    for_a_refund wanted_to_like tried_to_like wanted_to_love n't_turn_on
    no_longer_works expected_better expected_more not_crazy_about n't_crazy_about will_avoid i_will_avoid avoid_this
    left_me_cold left_us_cold leaves_me_cold leaves_you_cold left_you_cold
    n't_add_up_to_much do_n't_buy not_buy never_buy n't_waste_your save_your_money
    more_trouble_than waste_of zero_stars no_stars
    worse_than_expected weaker_than_expected lower_than_expected fell_short
    falls_short fall_short profit_warning laid_off lay_off lays_off laying_off job_cuts
    job_losses fell_apart falls_apart broke_down went_downhill gone_downhill
    waste_of_money waste_of_time rip_off never_again stay_away let_down let_me_down
    let_us_down fed_up stopped_working stops_working n't_work not_work n't_working
    not_working never_worked one_star 1_star thumbs_down out_of_business shut_down
    no_response no_reply never_received never_arrived still_waiting been_waiting
    in_the_red going_concern red_flag never_got_back never_heard_back never_responded
    never_replied n't_arrived not_arrived n't_received not_received still_not hit_a_snag
    ran_into_trouble run_into_trouble temporary_layoffs production_cuts out_of_stock`],
  // "like" is too common a word ("looks like") to score alone; these are the verb.
  [1.9, `i_like we_like i_really_like we_really_like really_like i_like_it`],
  [-1.9, `n't_like not_like n't_really_like n't_liked`],
  [-1.2, `on_hold look_elsewhere far_from_ideal charged_twice n't_answer n't_respond
    step_down`],
  // Scored as zero so their parts do not count: "in line with expectations" is meeting,
  // not beating, a forecast; "fixed price" and "risk management" are just terms.
  [-1.2, `too_many no_way_to there_is_no_way`],
  [0, `make_no_mistake no_mistake_about would_like i_would_like we_would_like in_line_with in_line fixed_price fixed_term
    fixed_income fixed_assets fixed_line tender_offer waste_management risk_management
    non_recurring one_off crash_course free_of_charge hit_the_market after_taxes
    before_taxes after_tax before_tax goods consumer_goods up_to set_up sets_up
    comes_up_to come_up_to make_up makes_up made_up sign_up follow_up end_up ended_up
    as_well well_known well-known`],
];

/** "beat (analyst) expectations", "missed market estimates": verb, optional filler, noun. */
export const EXPECTATION_VERBS: WeightedList = [
  [2.8, `beat beats beating exceeded exceeds topped tops surpassed above ahead_of`],
  [-2.2, `missed misses missing below short_of trailed lagged`],
];
export const EXPECTATION_FILLERS = words(`analyst analysts market the its consensus
  wall_street`);
export const EXPECTATION_NOUNS = words(`expectations estimates forecasts forecast
  consensus projections`);

/** Neutral words that would otherwise be read as an inflection of a sentiment word
 * ("recorded" is not "record", "lately" is not "late"), or that are neutral in business
 * text ("concern" is also a word for a company). */
export const NEUTRAL_WORDS = words(`recorded records recording working worth interest
  interests interested lately kindly concern likely latest later latter`);

// ---------------------------------------------------------------------------------------
// Modifiers.
// ---------------------------------------------------------------------------------------

/** Multipliers for the sentiment word that follows (and, for -ly adverbs, the direction
 * verb they qualify: "rose sharply"). Above 1 intensifies, below 1 dampens. */
export const BOOSTERS: WeightedList = [
  [1.5, `extremely incredibly exceptionally utterly insanely unbelievably tremendously
    immensely enormously sharply dramatically steeply`],
  [1.35, `very really super absolutely totally completely highly truly hugely deeply
    remarkably seriously significantly substantially considerably strongly markedly
    greatly massively especially particularly thoroughly so_much damn hands_down
    without_a_doubt`],
  [1.15, `so quite pretty`],
  [0.8, `fairly rather relatively reasonably moderately almost mostly`],
  [0.65, `somewhat slightly marginally mildly partly partially modestly a_bit a_little
    a_tad kind_of sort_of a_little_bit`],
];

/** "too long", "way too small": excess is a complaint even when the adjective is neutral.
 * The number is the booster applied to the word that follows. */
export const EXCESS_WORDS: WeightedList = [
  [1.15, `too`],
  [1.35, `way_too far_too much_too`],
];

/** Words that invert the sentiment of what follows within a short window. */
export const NEGATORS = words(`not no never n't without hardly barely scarcely seldom
  rarely nobody nothing none neither nor nowhere cannot dont doesnt didnt isnt wasnt
  arent werent cant couldnt wouldnt shouldnt wont havent hasnt hadnt aint no_longer
  far_from lack_of lacks lacked lacking fail_to failed_to fails_to free_of no_one
  could_have_been should_have_been would_have_been might_have_been if_only least`);

/** Words a negation reaches through without using up its window: "doesn't end up being
 * very inspiring or insightful" denies both adjectives. */
export const NEGATION_TRANSPARENT = words(`a an the be being been is was are were am very really
  so that as all at any either or nor seem seems seemed feel feels felt look looks
  looked sound sounds become becomes became particularly especially exactly quite much
  terribly overly too`);

/** Remedies: the negative word right after them is what was dealt with, not the news
 * ("solved my problem", "fixed the bug", "helps prevent fraud"). */
export const REMEDY_WORDS = words(`solve solved solves solving resolve resolved resolves
  resolving fix fixed fixes fixing repair repaired repairs address addressed addressing
  overcome overcame overcoming tackle tackled tackling eliminate eliminated eliminating
  prevent prevented prevents preventing protect protects protection against_the cure
  cured sorted avoid avoided avoids avoiding`);

/** Negator combinations that do not negate. Scored as zero phrases. */
export const NOT_NEGATION = words(`not_only not_just no_doubt no_wonder not_least
  nothing_but without_doubt no_later at_least at_the_very_least`);

/** "X but Y": Y is what the writer means. Before ×0.5, after ×1.5 (VADER's weights). */
export const CONTRAST_WORDS = words(`but however nevertheless nonetheless yet`);

/** "Although X, Y" / "Y despite X": the concessive clause X counts less. */
export const CONCESSIVE_WORDS = words(`although though despite even_though in_spite_of
  albeit notwithstanding`);

/** Words that end the reach of negation and of direction pairing, like punctuation. */
export const CLAUSE_BREAKS = words(`while whereas meanwhile`);

// ---------------------------------------------------------------------------------------
// Direction: words that say a quantity went up or down. Their sentiment depends on what
// moved — "costs fell" is good, "revenue fell" is bad — so they are scored together with
// the nearest quantity noun (QUANTITIES below). Each group is [strength, unpaired, words]:
// `unpaired` is the valence used when no quantity is in reach (a bare "rose" is weakly
// positive in business text; a bare "high" says nothing). Words that judge rather than
// measure ("improved", "weakened") are valence words above, not directions: an improved
// loss is good news.
// ---------------------------------------------------------------------------------------

export type DirectionList = ReadonlyArray<readonly [number, number, string]>;

export const DIRECTION_UP: DirectionList = [
  [1.5, 1.5, `soar soared soaring soars surge surged surging surges skyrocket skyrocketed
    rocketed jumped jump jumps leapt leaped double doubles doubled doubling tripled
    record_high all_time_high all-time_high 52_week_high`],
  [1.0, 0.4, `rise rose risen rising rises increase increased increases increasing grew
    grow grows grown climb climbed climbing climbs higher highest raise raised raising
    lift lifted widen widened widening widens accelerated accelerating advanced swelled
    spiked hiked upped went_up go_up goes_up going_up peaked picked_up outpaced expanded`],
  [1.0, 0, `up`],
  [0.6, 0, `high more larger bigger greater`],
];

export const DIRECTION_DOWN: DirectionList = [
  [1.5, -1.5, `plunge plunged plunging plunges plummet plummeted plummeting tumble
    tumbled tumbling slump slumped slumping sank sink sinking nosedived halved slashed
    slash record_low all_time_low all-time_low 52_week_low`],
  [1.0, -0.4, `fall fell fallen falling falls decrease decreased decreases decreasing
    decline declined declines declining drop dropped drops dropping down lower lowered
    lowest lowering reduce reduced reduces reducing reduction reductions cut cuts cutting
    shrink shrank shrunk shrinking narrow narrowed narrowing narrows slip slipped
    slipping slid slide sliding dip dipped dipping eased easing diminish diminished
    eroded trimmed went_down go_down goes_down going_down slowed slowing slows
    slowed_down`],
  [0.6, 0, `low less fewer smaller`],
];

// ---------------------------------------------------------------------------------------
// Quantities: nouns whose movement has a sign. +1: more is good (sales, profit, jobs);
// -1: more is bad (costs, loss, debt, unemployment). Smaller weights for nouns whose sign
// depends on who is speaking (higher prices please the seller, not the buyer).
// ---------------------------------------------------------------------------------------

export const QUANTITIES: WeightedList = [
  [1, `sales revenue revenues turnover profit profits profitability earnings income
    margin margins ebit ebitda eps result results orders order_intake order_book
    order_backlog backlog demand dividend dividends share_price stock_price shares stock
    stocks value market_share deliveries volume volumes traffic passengers customers
    subscribers users cash cash_flow liquidity equity growth fair_value market markets
    projections estimates exports employment jobs job staff workforce personnel employees
    workers headcount productivity efficiency competitiveness occupancy rating ratings
    outlook guidance forecast forecasts target price_target index gdp economy confidence
    savings investment investments returns performance quality satisfaction visitors
    bookings load_factor capacity production output market_value valuation profit_margin
    operating_profit net_profit net_sales net_income gross_profit gross_margin
    operating_income operating_margin sales_volume solvency capital_adequacy wages
    salaries spending purchases availability reliability speed battery_life yields`],
  [0.4, `prices price`],
  [-1, `loss losses net_loss operating_loss pretax_loss cost costs fixed_costs expense
    expenses expenditure expenditures debt debts net_debt liabilities deficit
    unemployment inflation layoffs layoff job_cuts redundancies impairment impairments
    writedowns write-downs charges risk risks complaints delays defects crime deaths
    casualties fatalities injuries emissions taxes churn arrears defaults bad_loans
    non-performing_loans gearing leverage volatility uncertainty tensions waiting_times
    waiting_time absences pollution bankruptcies insolvencies fees overheads overhead
    borrowing borrowings burden pressure pressures problems shortages inventories
    tax_rate interest_expenses vacancy vacancy_rate headwinds provisions
    raw_material_prices raw_materials_prices input_prices`],
  // Measures whose movement has no sign of its own: a rate cut helps borrowers and hurts
  // savers; a larger share capital is bookkeeping. They stop the search for a quantity so
  // that "cut interest rates to support growth" does not pair "cut" with "growth".
  [0, `interest_rates interest_rate rates rate share_capital number_of_shares stake
    stakes holding temperature temperatures population`],
];

/** Markers of a numeric comparison: "EUR 5 mn, compared to EUR 7 mn". */
export const COMPARISON_MARKERS = words(`compared_to compared_with versus vs`);

// ---------------------------------------------------------------------------------------
// Common English function words. Only used to tell English text from text in another
// language (or none): confidence is low when few tokens are recognisable English.
// ---------------------------------------------------------------------------------------

export const ENGLISH_FUNCTION_WORDS = words(`the a an and or of to in on at for with by
  from is are was were be been being am it its this that these those i you he she we they
  me my your our their his her them us as but not no do does did have has had will would
  can could should may might must there here what which who whom whose when where why how
  than then so if about into over after before up down out just also very more most some
  any all each other such only own same too said says say company year years new one two
  three per percent pct million billion mn mln eur euro euros usd dollars today yesterday
  week month time people via under between during since until while through against
  within upon cent pm ll ve re s d t ca wo % get got make made much many`);
